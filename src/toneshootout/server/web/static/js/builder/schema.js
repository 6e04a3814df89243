// Reading the shootout body's JSON Schema (GET /api/v1/shootouts/schema): block variants,
// their parameters and the render settings. Every limit, default and choice the builder shows
// comes from here; nothing about an effect's parameters is written down in this code.
import { api, ApiError } from "../api.js";

const UNIT_SUFFIXES = [
  ["_db_per_octave", "dB/oct"], ["_dbfs", "dBFS"], ["_dbtp", "dBTP"], ["_dbu", "dBu"],
  ["_lufs", "LUFS"], ["_db", "dB"], ["_hz", "Hz"], ["_ms", "ms"], ["_seconds", "s"], ["_s", "s"],
  ["_percent", "%"],
];
const WORDS = { "0dbfs": "0 dBFS", ir: "IR", rms: "RMS", lufs: "LUFS", di: "DI", dbu: "dBu", q: "Q", mp3: "MP3", wav: "WAV", flac: "FLAC" };

/** Load the schema: the API's endpoint, else the OpenAPI document's request body, else null. */
export async function loadSchema() {
  try {
    return await api("GET", "/api/v1/shootouts/schema");
  } catch (err) {
    // An API without the endpoint answers 404, or 422 where "/schema" reads as a shootout id.
    if (!(err instanceof ApiError) || ![404, 405, 422].includes(err.status)) throw err;
  }
  try {
    const doc = await api("GET", "/openapi.json");
    return doc.paths["/api/v1/shootouts"].post.requestBody.content["application/json"].schema;
  } catch {
    return null;
  }
}

function words(text) {
  return text.split("_").filter(Boolean).map((w) => WORDS[w] ?? w);
}

/** "makeup_gain_db" → {label: "Makeup gain", unit: "dB"}; a schema `unit` wins when present. */
export function describeName(name, prop = {}) {
  let base = name;
  let unit = prop.unit ?? prop["x-unit"] ?? null;
  for (const [suffix, u] of UNIT_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      base = name.slice(0, -suffix.length);
      unit ??= u;
      break;
    }
  }
  const parts = words(base);
  const label = parts.join(" ");
  return { label: label.charAt(0).toUpperCase() + label.slice(1), unit };
}

/** A block type's name for people: "noise_gate" → "Noise gate", "ir" → "IR". */
export function typeLabel(type, variant) {
  if (type === "capture") return "Amp capture";
  if (type === "ir") return "Cabinet IR";
  const { label } = describeName(type);
  return variant?.["x-label"] ?? label;
}

/** The non-null member of `anyOf: [X, {type: null}]`, and whether null is allowed. */
export function unwrapNullable(prop) {
  if (Array.isArray(prop.anyOf)) {
    const real = prop.anyOf.filter((p) => p.type !== "null");
    if (real.length === 1) return { prop: { ...real[0], ...pick(prop, ["default", "description", "title", "unit"]) }, nullable: true };
  }
  return { prop, nullable: false };
}

function pick(obj, keys) {
  return Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]]));
}

function blockItems(schema) {
  return schema?.properties?.chains?.items?.properties?.blocks?.items ?? null;
}

/** The block variants: [{type, label, description, schema}] in the schema's order. */
export function blockVariants(schema) {
  const items = blockItems(schema);
  const variants = items?.oneOf ?? items?.anyOf ?? [];
  return variants
    .map((v) => ({ type: v.properties?.type?.const ?? v.properties?.type?.default, schema: v }))
    .filter((v) => typeof v.type === "string")
    .map((v) => ({ ...v, label: typeLabel(v.type, v.schema), description: v.schema.description ?? "" }));
}

/** The parameters a block variant's controls are made from (everything but `type`). */
export function parameters(variantSchema) {
  const props = variantSchema?.properties ?? {};
  return Object.entries(props).filter(([name]) => name !== "type");
}

/** A new block of `type` with every parameter at its schema default. */
export function newBlock(variant) {
  const block = { type: variant.type };
  for (const [name, prop] of parameters(variant.schema)) {
    if ("default" in prop) block[name] = prop.default;
  }
  return block;
}

/** The render settings' properties, and their defaults. */
export function settingsSchema(schema) {
  return schema?.properties?.settings ?? null;
}

export function settingsDefaults(schema) {
  const props = settingsSchema(schema)?.properties ?? {};
  return Object.fromEntries(Object.entries(props).filter(([, p]) => "default" in p).map(([n, p]) => [n, p.default]));
}

/** The DI entry's schema when the API takes objects ({di_id, channel, region}), else null. */
export function diEntrySchema(schema) {
  const items = schema?.properties?.di_tracks?.items;
  const variants = items?.anyOf ?? items?.oneOf ?? [items];
  return variants.find((v) => v?.type === "object" && v.properties?.di_id) ?? null;
}

/** A step that suits a range: the schema's multipleOf, 1 for integers, else by span. */
export function stepFor(prop) {
  if (prop.multipleOf) return prop.multipleOf;
  if (prop.type === "integer") return 1;
  const span = (prop.maximum ?? prop.exclusiveMaximum ?? 100) - (prop.minimum ?? prop.exclusiveMinimum ?? 0);
  if (span <= 2) return 0.01;
  if (span <= 200) return 0.1;
  return 1;
}
