// A tiny element builder for the interactive pages (no framework): h("p", {class: "x"}, "text").
// Attributes that start with "on" become listeners; `false`/null attributes are left out.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let counter = 0;
/** A unique element id with a readable prefix. */
export function uid(prefix = "el") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Field id for a JSON path: "chains.0.name" → "f-chains-0-name". */
export function fieldId(path) {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** A labelled field: <div class=field><label/>control<p class=field-error/></div>, tied to `path`. */
export function field(labelText, control, { path, hint, unit } = {}) {
  const target = control.matches("input,select,textarea")
    ? control
    : control.querySelector("input:not([type=range]),select,textarea") ?? control;
  const id = target.id || (path ? fieldId(path) : uid("f"));
  target.id = id;
  const describedBy = [];
  const parts = [h("label", { for: id }, labelText, unit ? h("span", { class: "unit" }, ` (${unit})`) : null)];
  parts.push(control);
  if (hint) {
    parts.push(h("span", { class: "hint", id: `${id}-hint` }, hint));
    describedBy.push(`${id}-hint`);
  }
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-error-for": path ?? "" });
  describedBy.push(error.id);
  for (const input of control.matches("input,select,textarea") ? [control] : control.querySelectorAll("input,select,textarea")) {
    input.setAttribute("aria-describedby", describedBy.join(" "));
    // The slider beside a number field is a second way to set it, not the field itself.
    if (path && !input.dataset.path && input.type !== "range") input.dataset.path = path;
  }
  parts.push(error);
  return h("div", { class: "field" }, parts);
}
