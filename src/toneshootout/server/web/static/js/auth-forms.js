// Sign-up and sign-in forms: errors at the field, then on to `next` (a same-site path the
// server already checked). The sign-in page first tries the refresh cookie, so a visitor whose
// 15-minute access token ran out is sent straight back to where they were going.
import { api, ApiError, describeError, refreshSession, readCookie, CSRF_COOKIE } from "./api.js";
import { clearErrors, formValues, setBusy, showFieldError, showFormError, showProblems, wired } from "./forms.js";

function nextOf(form) {
  const next = form.dataset.next || "/shootouts";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/shootouts";
}

function showAuthError(form, err) {
  if (err instanceof ApiError && err.problems.length) {
    showProblems(form, err.problems);
  } else if (err instanceof ApiError && err.error === "email_taken") {
    showFieldError(form, "email", err.detail);
  } else if (err instanceof ApiError && err.error === "invalid_credentials") {
    showFieldError(form, "password", err.detail);
  } else {
    showFormError(form, describeError(err));
  }
}

function checkRequired(form) {
  let ok = true;
  for (const input of form.querySelectorAll("input[required]")) {
    if (!input.value) {
      showFieldError(form, input.id, "Required.");
      ok = false;
    }
  }
  return ok;
}

async function submit(form, event, action, busyLabel) {
  event.preventDefault();
  clearErrors(form);
  if (!checkRequired(form)) return;
  const button = form.querySelector("button[type=submit]");
  setBusy(button, true, busyLabel);
  try {
    await action(formValues(form));
    location.assign(nextOf(form));
  } catch (err) {
    showAuthError(form, err);
    setBusy(button, false);
  }
}

const signup = document.getElementById("signup-form");
signup?.addEventListener("submit", (event) =>
  submit(signup, event, async ({ email, password }) => {
    await api("POST", "/api/v1/auth/register", { email, password });
    await api("POST", "/api/v1/auth/login", { email, password });
  }, "Signing up…"),
);
wired(signup);

const login = document.getElementById("login-form");
login?.addEventListener("submit", (event) =>
  submit(login, event, ({ email, password }) => api("POST", "/api/v1/auth/login", { email, password }), "Signing in…"),
);
wired(login);

if (login && readCookie(CSRF_COOKIE)) {
  const status = document.getElementById("refresh-status");
  status.textContent = "Checking your session…";
  refreshSession().then((ok) => {
    if (ok) location.replace(nextOf(login));
    else status.textContent = "";
  });
}
