// Form controls generated from a JSON Schema property: a range slider with a number field for
// bounded numbers, a select for enums, a checkbox for booleans, checkboxes for a list of enums.
// Each control reports changes through onChange(value) and carries its JSON path (data-path),
// so the API's problems land at it.
import { field, fieldId, h } from "../dom.js";
import { describeName, stepFor, unwrapNullable } from "./schema.js";

function toNumber(text, integer) {
  if (text.trim() === "") return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return NaN;
  return integer ? Math.round(n) : n;
}

function rangeControl(prop, value, path, label, nullable, onChange) {
  const integer = prop.type === "integer";
  const min = prop.minimum ?? prop.exclusiveMinimum;
  const max = prop.maximum ?? prop.exclusiveMaximum;
  const step = stepFor(prop);
  const number = h("input", {
    type: "number", id: fieldId(path), step: String(step), inputmode: integer ? "numeric" : "decimal",
    min: min ?? false, max: max ?? false, value: value ?? "", placeholder: nullable ? "auto" : false,
    dataset: { path },
  });
  const wrap = h("div", { class: "control" });
  let range = null;
  // A nullable number ("auto" when empty) has no slider: a slider always holds some value.
  if (min !== undefined && max !== undefined && !nullable) {
    range = h("input", {
      type: "range", min: String(min), max: String(max), step: String(step),
      value: String(value ?? prop.default ?? min), "aria-label": `${label} slider`, tabindex: "-1",
    });
    range.addEventListener("input", () => {
      number.value = range.value;
      onChange(toNumber(range.value, integer));
    });
    wrap.append(range);
  }
  number.addEventListener("input", () => {
    const n = toNumber(number.value, integer);
    if (range && n !== null && Number.isFinite(n)) range.value = String(n);
    // An empty field means "the default" for a nullable value; an unparsable one is sent as
    // typed so the server's message says what is wrong, at this field.
    onChange(n === null ? (nullable ? null : undefined) : Number.isNaN(n) ? number.value : n);
  });
  wrap.append(number);
  return { wrap, input: number };
}

function enumControl(prop, value, path, onChange) {
  const select = h("select", { id: fieldId(path), dataset: { path } },
    prop.enum.map((option) => h("option", { value: String(option), selected: String(option) === String(value ?? prop.default) }, String(option))));
  select.addEventListener("change", () => {
    const raw = select.value;
    onChange(prop.type === "integer" || prop.type === "number" ? Number(raw) : raw);
  });
  return select;
}

// Choices said in more words than their code (the code is what a spec file says).
const OPTION_WORDS = { video: "video (MP4)" };

function checkboxGroup(prop, value, path, label, onChange) {
  const chosen = new Set(value ?? prop.default ?? []);
  const options = prop.items.enum;
  const group = h("fieldset", { class: "checkbox-group", id: fieldId(path), dataset: { path } },
    h("legend", {}, label),
    options.map((option) => {
      const box = h("input", { type: "checkbox", value: option, checked: chosen.has(option), id: `${fieldId(path)}-${option}` });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(option); else chosen.delete(option);
        onChange(options.filter((o) => chosen.has(o)));
      });
      return h("label", { class: "check", for: box.id }, box, ` ${OPTION_WORDS[option] ?? option}`);
    }),
    h("p", { class: "field-error", id: `${fieldId(path)}-error`, "data-error-for": path }));
  return group;
}

/** The labelled control for property `name`, or null when the schema gives nothing to draw. */
export function controlFor(name, rawProp, value, path, onChange) {
  const { prop, nullable } = unwrapNullable(rawProp);
  const { label, unit } = describeName(name, prop);
  const hint = prop.description ?? null;
  if (prop.type === "array" && prop.items?.enum) {
    const group = checkboxGroup(prop, value, path, label, onChange);
    // A list the schema gives no default for is filled in by the server when it is saved.
    if (value === undefined && !("default" in prop)) group.append(h("p", { class: "hint" }, "None chosen: the server's default set."));
    return group;
  }
  if (Array.isArray(prop.enum)) return field(label, enumControl(prop, value, path, onChange), { path, hint, unit });
  if (prop.type === "boolean") {
    const box = h("input", { type: "checkbox", id: fieldId(path), checked: Boolean(value ?? prop.default), dataset: { path } });
    box.addEventListener("change", () => onChange(box.checked));
    const error = h("p", { class: "field-error", id: `${box.id}-error`, "data-error-for": path });
    box.setAttribute("aria-describedby", error.id);
    return h("div", { class: "field" }, h("label", { for: box.id, class: "check" }, box, ` ${label}`), hint ? h("span", { class: "hint" }, hint) : null, error);
  }
  if (prop.type === "number" || prop.type === "integer") {
    const { wrap } = rangeControl(prop, value, path, label, nullable, onChange);
    if (nullable) wrap.classList.add("solo");
    const shown = field(label, wrap, { path, hint: hintWithRange(hint, prop, unit), unit });
    shown.classList.add("param");
    // The label names the precise number field; the slider is labelled on its own.
    shown.querySelector("label").setAttribute("for", fieldId(path));
    return shown;
  }
  if (prop.type === "string") {
    const input = h("input", { type: "text", value: value ?? prop.default ?? "", maxlength: prop.maxLength ?? false, dataset: { path } });
    input.addEventListener("input", () => onChange(input.value));
    return field(label, input, { path, hint, unit });
  }
  return null;
}

function hintWithRange(hint, prop, unit) {
  const min = prop.minimum ?? prop.exclusiveMinimum;
  const max = prop.maximum ?? prop.exclusiveMaximum;
  if (min === undefined || max === undefined) return hint;
  const range = `${min} to ${max}${unit ? ` ${unit}` : ""}${"default" in prop && prop.default !== null ? `, default ${prop.default}` : ""}`;
  return hint ? `${hint} (${range})` : range;
}
