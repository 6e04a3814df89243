// Account page: change password, log out (here or everywhere), delete the account.
import { api, ApiError, describeError } from "./api.js";
import { clearErrors, setBusy, showFieldError, showFormError, showProblems, wired } from "./forms.js";

// An account that signs in with TONE3000 only has no password: no change form, and deleting
// it needs no password field.
const passwordForm = document.getElementById("password-form");
passwordForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(passwordForm);
  const status = document.getElementById("password-status");
  status.textContent = "";
  const current = passwordForm.current_password.value;
  const fresh = passwordForm.new_password.value;
  if (!current) return showFieldError(passwordForm, "current_password", "Required.");
  if (!fresh) return showFieldError(passwordForm, "new_password", "Required.");
  const button = passwordForm.querySelector("button[type=submit]");
  setBusy(button, true, "Changing…");
  try {
    await api("POST", "/api/v1/me/password", { current_password: current, new_password: fresh });
    passwordForm.reset();
    status.className = "status ok";
    status.textContent = "Password changed. Your other devices are signed out.";
  } catch (err) {
    if (err instanceof ApiError && err.problems.length) showProblems(passwordForm, err.problems);
    else if (err instanceof ApiError && err.error === "wrong_password") showFieldError(passwordForm, "current_password", err.detail);
    else showFormError(passwordForm, describeError(err));
  } finally {
    setBusy(button, false);
  }
});

async function signOut(path, button) {
  const status = document.getElementById("logout-status");
  setBusy(button, true, "Signing out…");
  try {
    await api("POST", path);
    location.assign("/");
  } catch (err) {
    status.className = "status bad";
    status.textContent = describeError(err);
    setBusy(button, false);
  }
}

const logout = document.getElementById("logout");
logout.addEventListener("click", () => signOut("/api/v1/auth/logout", logout));
const logoutAll = document.getElementById("logout-all");
logoutAll.addEventListener("click", () => signOut("/api/v1/auth/logout-all", logoutAll));

const deleteForm = document.getElementById("delete-form");
deleteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(deleteForm);
  const passwordInput = deleteForm.querySelector("#delete_password");
  const password = passwordInput?.value;
  if (passwordInput && !password) return showFieldError(deleteForm, "delete_password", "Enter your password to confirm.");
  if (!deleteForm.delete_confirm.checked) return showFieldError(deleteForm, "delete_confirm", "Tick the box to confirm.");
  const button = deleteForm.querySelector("button[type=submit]");
  setBusy(button, true, "Deleting…");
  try {
    await api("DELETE", "/api/v1/me", passwordInput ? { password } : {});
    location.assign("/?deleted=1");
  } catch (err) {
    if (err instanceof ApiError && err.error === "wrong_password") showFieldError(deleteForm, "delete_password", err.detail);
    else if (err instanceof ApiError && err.problems.length) showProblems(deleteForm, err.problems, () => "delete_password");
    else showFormError(deleteForm, describeError(err));
    setBusy(button, false);
  }
});
wired(passwordForm);
wired(deleteForm);
