// The shootout builder: loads the shootout, the schema and the library through the API, edits
// them in memory, and saves with PUT (POST for a new one); the API's problems are shown at the
// field their JSON path names, its warnings and render-time estimate before rendering; Render
// submits the saved shootout and opens /renders/{id}.
import { api, ApiError, describeError } from "../api.js";
import { field, fieldId, h } from "../dom.js";
import { setBusy } from "../forms.js";
import { renderLink, rendersByShootout } from "../render-links.js";
import { ChainsEditor } from "./chains.js";
import { controlFor } from "./controls.js";
import { DiEditor } from "./dis.js";
import { diEntrySchema, loadSchema, settingsDefaults, settingsSchema } from "./schema.js";

const root = document.getElementById("builder");
let shootoutId = root.dataset.shootoutId || null;
const ui = {};
let ctx = null;
let dirty = false;

async function libraryOf(collection) {
  const page = await api("GET", `/api/v1/${collection}?limit=100`);
  return page.items;
}

function diEntry(value) {
  if (typeof value === "string") return { di_id: value, channel: "mid", region: null };
  return { di_id: value.di_id, channel: value.channel ?? "mid", region: value.region ?? null };
}

function stateFrom(shootout, schema) {
  return {
    title: shootout?.title ?? "Untitled shootout",
    di_tracks: (shootout?.di_tracks ?? []).map(diEntry),
    chains: structuredClone(shootout?.chains ?? [{ name: "Chain 1", blocks: [] }]),
    settings: structuredClone(shootout?.settings ?? settingsDefaults(schema)),
  };
}

/** The request body; DI entries go as objects only when the API takes them (else bare ids). */
function body() {
  const { state, objects } = ctx;
  const dis = state.di_tracks.map((d) => {
    if (!objects) return d.di_id;
    const entry = { di_id: d.di_id, channel: d.channel ?? "mid" };
    if (d.region) entry.region = d.region;
    return entry;
  });
  return { title: state.title, di_tracks: dis, chains: state.chains, settings: state.settings };
}

function changed() {
  dirty = true;
  ui.status.className = "status";
  ui.status.textContent = "Unsaved changes.";
}

function clearProblems() {
  for (const el of root.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Put a problem at the nearest field or container its path names, else on the form. */
function placeProblem({ path, message }) {
  const parts = path ? path.split(".") : [];
  for (let n = parts.length; n > 0; n -= 1) {
    const p = parts.slice(0, n).join(".");
    const slot = root.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    const input = root.querySelector(`[data-path="${CSS.escape(p)}"]`);
    input?.setAttribute("aria-invalid", "true");
    return input ?? slot;
  }
  ui.formError.textContent += `${path ? `${path}: ` : ""}${message} `;
  return ui.formError;
}

function showProblems(problems) {
  let first = null;
  for (const problem of problems) first ??= placeProblem(problem);
  ui.formError.textContent ||= `${problems.length} problem${problems.length === 1 ? "" : "s"} to fix before saving; each is shown at its field.`;
  if (first?.focus) first.focus();
  first?.scrollIntoView?.({ block: "center" });
}

function formatDuration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return s ? `${m} min ${s} s` : `${m} min`;
}

function showOutcome(shootout) {
  const warnings = shootout?.warnings ?? [];
  ui.warnings.replaceChildren(...warnings.map((w) => h("li", { class: "warning" }, h("strong", {}, "Warning: "), w.message)));
  ui.warningsHeading.hidden = warnings.length === 0;
  const estimate = shootout?.estimated_render_seconds;
  ui.estimate.textContent = typeof estimate === "number"
    ? `Estimated render time: about ${formatDuration(estimate)} on this server.`
    : "";
}

async function save() {
  clearProblems();
  const isNew = !shootoutId;
  const saved = isNew
    ? await api("POST", "/api/v1/shootouts", body())
    : await api("PUT", `/api/v1/shootouts/${shootoutId}`, body());
  if (isNew) {
    shootoutId = saved.id;
    history.replaceState(null, "", `/shootouts/${saved.id}`);
  }
  dirty = false;
  ctx.state = stateFrom(saved, ctx.schema);
  renderAll();
  showOutcome(saved);
  return saved;
}

function reportFailure(err, action) {
  if (err instanceof ApiError && err.problems.length) {
    showProblems(err.problems);
    ui.status.className = "status bad";
    ui.status.textContent = `Not ${action}: fix the fields marked in red.`;
  } else {
    ui.status.className = "status bad";
    ui.status.textContent = `Not ${action}: ${describeError(err)}`;
  }
}

async function onSave() {
  setBusy(ui.save, true, "Saving…");
  try {
    await save();
    ui.status.className = "status ok";
    ui.status.textContent = "Saved.";
  } catch (err) {
    reportFailure(err, "saved");
  } finally {
    setBusy(ui.save, false);
  }
}

async function onRender() {
  setBusy(ui.render, true, "Starting the render…");
  try {
    if (dirty || !shootoutId) await save();
    const render = await api("POST", `/api/v1/shootouts/${shootoutId}/renders`, {});
    dirty = false;
    location.assign(`/renders/${render.id}`);
  } catch (err) {
    reportFailure(err, "rendered");
    setBusy(ui.render, false);
  }
}

/** The video size only matters with the video output on: its control says so, and waits. */
function followVideoOutput() {
  const size = ui.settings.querySelector('[data-path="settings.video_size"]');
  if (!size) return;
  const on = (ctx.state.settings.outputs ?? []).includes("video");
  size.disabled = !on;
  let note = ui.settings.querySelector(".video-size-note");
  if (!note) {
    note = h("span", { class: "hint video-size-note", id: `${size.id}-note` }, "Tick “video (MP4)” in Outputs to make a video.");
    size.after(note);
    size.setAttribute("aria-describedby", `${size.getAttribute("aria-describedby") ?? ""} ${note.id}`.trim());
  }
  note.hidden = on;
}

function renderSettings() {
  const props = settingsSchema(ctx.schema)?.properties ?? {};
  ui.settings.replaceChildren(...Object.entries(props)
    .map(([name, prop]) => controlFor(name, prop, ctx.state.settings[name], `settings.${name}`, (value) => {
      if (value === undefined) delete ctx.state.settings[name]; else ctx.state.settings[name] = value;
      changed();
      if (name === "outputs") followVideoOutput();
    }))
    .filter(Boolean));
  if (!Object.keys(props).length) ui.settings.append(h("p", { class: "muted" }, "Render settings use the server's defaults."));
  followVideoOutput();
}

function renderAll() {
  ui.title.value = ctx.state.title;
  ui.heading.textContent = ctx.state.title || "Untitled shootout";
  ui.dis.render();
  ui.chains.render();
  renderSettings();
}

function layout() {
  ui.heading = h("h1", {}, "");
  ui.title = h("input", { type: "text", maxlength: "80", required: true });
  ui.title.addEventListener("input", () => { ctx.state.title = ui.title.value; ui.heading.textContent = ui.title.value; changed(); });
  ui.formError = h("p", { class: "form-error", role: "alert", tabindex: "-1" });
  const disRoot = h("div", { id: "dis" });
  const chainsRoot = h("div", { id: "chains" });
  ui.settings = h("div", { class: "settings-grid" });
  ui.warningsHeading = h("h2", { hidden: true }, "Before you render");
  ui.warnings = h("ul", { class: "warnings" });
  ui.estimate = h("p", { class: "notice estimate" });
  ui.save = h("button", { type: "submit" }, "Save");
  // Render is what the page is for (it saves first when needed).
  ui.render = h("button", { type: "button", class: "primary", onclick: onRender }, "Render");
  ui.status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const form = h("form", { id: "builder-form", novalidate: true },
    ui.formError,
    field("Title", ui.title, { path: "title" }),
    h("section", { "aria-labelledby": "dis-heading" }, h("h2", { id: "dis-heading" }, "DI tracks"), disRoot),
    h("section", { "aria-labelledby": "chains-heading" }, h("h2", { id: "chains-heading" }, "Chains"),
      h("p", { class: "muted" }, "Each chain is one tone: blocks run top to bottom. Drag a block, or use its Move buttons, to reorder."), chainsRoot),
    h("section", { "aria-labelledby": "settings-heading" }, h("h2", { id: "settings-heading" }, "Render settings"), ui.settings),
    h("section", { "aria-live": "polite" }, ui.warningsHeading, ui.warnings, ui.estimate),
    h("div", { class: "builder-actions" }, ui.save, ui.render, ui.status));
  form.addEventListener("submit", (e) => { e.preventDefault(); onSave(); });
  root.replaceChildren(ui.heading, form);
  ui.dis = new DiEditor(disRoot, ctx);
  ui.chains = new ChainsEditor(chainsRoot, ctx);
}

async function tone3000Status() {
  try {
    const status = await api("GET", "/api/v1/auth/tone3000");
    return { enabled: Boolean(status?.enabled), search: Boolean(status?.search) };
  } catch {
    return { enabled: false, search: false }; // not set up here, or the status is unavailable
  }
}

/** TONE3000's own select flow: save first (it leaves the page), come back to this block. */
async function selectOnTone3000(format, i, j) {
  try {
    if (dirty || !shootoutId) await save();
  } catch (err) {
    reportFailure(err, "saved");
    return;
  }
  const next = `/shootouts/${shootoutId}?t3k_block=${i}.${j}`;
  location.assign(`/api/v1/tone3000/select?format=${encodeURIComponent(format)}&next=${encodeURIComponent(next)}`);
}

function tone3000Refs(state) {
  return state.chains.flatMap((c) => c.blocks).map((b) => b.tone3000).filter(Boolean);
}

/** Names for the TONE3000 models the chains use (one tone lookup each, in parallel). */
async function labelTone3000Models() {
  const refs = tone3000Refs(ctx.state).filter((r) => !ctx.t3k.labels.has(r.model_id));
  const toneIds = [...new Set(refs.map((r) => r.tone_id))];
  await Promise.all(toneIds.map(async (toneId) => {
    try {
      const tone = await api("GET", `/api/v1/tone3000/tones/${toneId}`);
      for (const ref of refs.filter((r) => r.tone_id === toneId)) {
        const variant = tone.variants.find((v) => v.id === ref.model_id);
        ctx.t3k.labels.set(ref.model_id, variant ? { tone, variant } : { problem: "This model is no longer part of the tone on TONE3000." });
      }
    } catch (err) {
      for (const ref of refs.filter((r) => r.tone_id === toneId)) ctx.t3k.labels.set(ref.model_id, { problem: describeError(err) });
    }
  }));
  if (refs.length) ui.chains.render();
}

/** Query parameters TONE3000 links bring: a select flow's return, or the library's "New shootout". */
function takeTone3000Params() {
  const params = new URLSearchParams(location.search);
  const found = {
    block: params.get("t3k_block"), tone: Number(params.get("t3k_tone")) || null,
    kind: params.get("t3k_kind"), model: Number(params.get("t3k_model")) || null,
  };
  if ([...params.keys()].some((k) => k.startsWith("t3k_"))) history.replaceState(null, "", location.pathname);
  return found;
}

async function start() {
  const [schema, shootout, di_tracks, captures, irs, t3kStatus] = await Promise.all([
    loadSchema(),
    shootoutId ? api("GET", `/api/v1/shootouts/${shootoutId}`) : null,
    libraryOf("di-tracks"), libraryOf("captures"), libraryOf("irs"), tone3000Status(),
  ]);
  const objects = Boolean(diEntrySchema(schema)) || (shootout?.di_tracks ?? []).some((d) => typeof d === "object");
  const t3k = { ...t3kStatus, labels: new Map(), select: selectOnTone3000, startTone: null, startBlock: null };
  ctx = { state: null, schema, objects, library: { di_tracks, captures, irs }, changed, t3k };
  ctx.state = stateFrom(shootout, schema);
  if (!shootout && di_tracks.length) ctx.state.di_tracks.push(diEntry(di_tracks[0].id));
  const came = takeTone3000Params();
  if (!shootout && came.tone && came.model && ["capture", "ir"].includes(came.kind)) {
    ctx.state.chains[0].blocks.push({ type: came.kind, tone3000: { tone_id: came.tone, model_id: came.model } });
  }
  layout();
  if (came.block && came.tone && /^\d+\.\d+$/.test(came.block)) {
    t3k.startBlock = came.block;
    t3k.startTone = came.tone;
    ui.chains.openBrowser = came.block; // back from TONE3000: show the picked tone's models
  }
  renderAll();
  if (t3k.startBlock) document.getElementById(`block-${t3k.startBlock.replace(".", "-")}`)?.scrollIntoView({ block: "center" });
  labelTone3000Models();
  showOutcome(shootout);
  if (!schema) ui.formError.textContent = "The effect parameters could not be loaded from the server; blocks keep their defaults.";
  if (!shootoutId) changed();
  else showPastRenders();
}

async function showPastRenders() {
  try {
    const renders = (await rendersByShootout(api, shootoutId)).get(shootoutId) ?? [];
    if (!renders.length) return;
    const list = h("ul", { class: "past-renders" }, renders.slice(0, 10).map((r) => h("li", {}, renderLink(r))));
    root.append(h("section", { "aria-labelledby": "past-heading" }, h("h2", { id: "past-heading" }, "Renders of this shootout"), list));
  } catch {
    // the builder is whole without them
  }
}

start().catch((err) => {
  root.replaceChildren(h("h1", {}, "The builder could not load"), h("p", { class: "form-error" }, describeError(err)));
});
