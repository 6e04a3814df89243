// Errors at the field: each input `#x` has a `<p class="field-error" id="x-error">` under it,
// and the form a `.form-error` paragraph for what belongs to no field.

export function clearErrors(root) {
  for (const el of root.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Show `message` at the input with id `fieldId`; false when there is no such field. */
export function showFieldError(root, fieldId, message) {
  const input = root.querySelector(`#${CSS.escape(fieldId)}`);
  const slot = root.querySelector(`#${CSS.escape(fieldId)}-error`);
  if (!input || !slot) return false;
  slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
  input.setAttribute("aria-invalid", "true");
  return true;
}

export function showFormError(root, message) {
  const slot = root.querySelector(".form-error");
  if (slot) slot.textContent = message;
}

/** Put each {path, message} of a 422 at its field (`fieldFor(path)` → id), the rest on the form. */
export function showProblems(root, problems, fieldFor = (path) => path.split(".").pop()) {
  const loose = [];
  let first = null;
  for (const { path, message } of problems) {
    const id = fieldFor(path);
    if (id && showFieldError(root, id, message)) first ??= root.querySelector(`#${CSS.escape(id)}`);
    else loose.push(path ? `${path}: ${message}` : message);
  }
  if (loose.length) showFormError(root, loose.join(" "));
  (first ?? root.querySelector(".form-error"))?.focus?.();
}

/** The form's fields as a plain object. */
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function setBusy(button, busy, label) {
  if (!button) return;
  if (busy) {
    button.dataset.label ??= button.textContent;
    button.textContent = label;
    button.disabled = true;
  } else {
    button.textContent = button.dataset.label ?? button.textContent;
    button.disabled = false;
  }
}

/**
 * Let a form be submitted once its script has taken over the submit event. Its submit button
 * ships disabled (`data-wired`): a click before the module has loaded would otherwise send the
 * form the browser's way, which for these forms means nowhere useful.
 */
export function wired(form) {
  for (const button of form?.querySelectorAll("button[data-wired]") ?? []) button.disabled = false;
}
