// The DI tracks of a shootout: which DIs, and for each its channel (left / right / mid) and
// the region rendered, picked on the DI's waveform (<region-picker>) or typed in seconds.
import { field, fieldId, h } from "../dom.js";

// Loaded when a waveform is first shown; without the vendor files (`make setup` not run) the
// builder still works and regions are typed in seconds.
let pickerModule = null;
function loadPicker() {
  pickerModule ??= import("../region-picker.js");
  return pickerModule;
}

const CHANNELS = [["mid", "Mid (left + right)"], ["left", "Left"], ["right", "Right"]];
const WAVEFORM_MAX_BYTES = 64 * 1024 * 1024; // larger files load their waveform on request

function formatSeconds(s) {
  return s == null ? "" : String(Math.round(s * 1000) / 1000);
}

export class DiEditor {
  /** @param ctx {state, library: {di_tracks}, objects: bool, changed()} */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.pickers = new Map(); // `${index}:${di_id}` → <region-picker>, kept across renders
  }

  get entries() {
    return this.ctx.state.di_tracks;
  }

  render(focus = null) {
    const dis = this.ctx.library.di_tracks;
    const select = h("select", { id: "add-di" },
      dis.map((di) => h("option", { value: di.id }, di.name)));
    const controls = dis.length
      ? h("div", { class: "row" }, h("label", { for: "add-di" }, "DI track to add"), select,
        h("button", { type: "button", onclick: () => this.add(select.value) }, "Add DI track"))
      : h("p", { class: "notice" }, "Your library has no DI tracks yet. ", h("a", { href: "/library" }, "Upload one"), " first.");
    this.root.replaceChildren(
      h("p", { class: "field-error", id: `${fieldId("di_tracks")}-error`, "data-error-for": "di_tracks" }),
      ...this.entries.map((entry, i) => this.#entry(entry, i)),
      controls,
    );
    if (focus) this.root.querySelector(focus)?.focus();
  }

  add(id) {
    if (!id) return;
    this.entries.push({ di_id: id, channel: "mid", region: null });
    this.ctx.changed();
    this.render(`#${CSS.escape(fieldId(`di_tracks.${this.entries.length - 1}.di_id`))}`);
  }

  #entry(entry, i) {
    const path = `di_tracks.${i}`;
    const dis = this.ctx.library.di_tracks;
    const item = dis.find((d) => d.id === entry.di_id);
    const meta = item?.metadata ?? {};
    const select = h("select", {},
      dis.map((di) => h("option", { value: di.id, selected: di.id === entry.di_id }, di.name)),
      item ? null : h("option", { value: entry.di_id, selected: true }, "(missing DI track)"));
    select.addEventListener("change", () => {
      entry.di_id = select.value;
      entry.region = null;
      this.ctx.changed();
      this.render(`#${CSS.escape(fieldId(`${path}.di_id`))}`);
    });
    const remove = h("button", { type: "button", class: "small danger", "aria-label": `Remove DI track ${item?.name ?? i + 1}`,
      onclick: () => { this.entries.splice(i, 1); this.ctx.changed(); this.render(); } }, "Remove");
    const seconds = meta.duration_s ?? 0;
    const facts = item ? `${seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`} · ${meta.sample_rate / 1000} kHz · ${meta.channels === 1 ? "mono" : `${meta.channels} channels`}` : "";
    const box = h("div", { class: "di-entry" },
      h("div", { class: "chain-head" }, field("DI track", select, { path: `${path}.di_id`, hint: facts }), remove),
      h("p", { class: "field-error", id: `${fieldId(path)}-error`, "data-error-for": path }));
    if (this.ctx.objects) box.append(this.#channel(entry, path, meta), this.#region(entry, i, path, item));
    return box;
  }

  #channel(entry, path, meta) {
    const select = h("select", { disabled: meta.channels === 1 },
      CHANNELS.map(([value, label]) => h("option", { value, selected: value === (entry.channel ?? "mid") }, label)));
    select.addEventListener("change", () => { entry.channel = select.value; this.ctx.changed(); });
    const hint = meta.channels === 1 ? "A mono file has one channel to use." : "Which channel of the stereo file goes into the chains.";
    return field("Channel", select, { path: `${path}.channel`, hint });
  }

  #region(entry, i, path, item) {
    const start = h("input", { type: "number", min: "0", step: "0.01", inputmode: "decimal", placeholder: "0", value: formatSeconds(entry.region?.start_s) });
    const end = h("input", { type: "number", min: "0", step: "0.01", inputmode: "decimal", placeholder: "end", value: formatSeconds(entry.region?.end_s) });
    const duration = item?.metadata?.duration_s ?? null;
    if (duration) { start.max = String(duration); end.max = String(duration); }
    let picker = null;
    const typed = () => {
      const s = start.value.trim(); const e = end.value.trim();
      if (!s && !e) entry.region = null;
      else entry.region = { start_s: s ? Number(s) : 0, end_s: e ? Number(e) : duration };
      if (picker) picker.region = entry.region;
      this.ctx.changed();
    };
    start.addEventListener("change", typed);
    end.addEventListener("change", typed);
    const fields = h("div", { class: "region-fields" },
      field("Region start", start, { path: `${path}.region.start_s`, unit: "s" }),
      field("Region end", end, { path: `${path}.region.end_s`, unit: "s", hint: "Empty: the whole track." }));
    const wrap = h("div", { class: "region" }, h("p", { class: "field-error", id: `${fieldId(`${path}.region`)}-error`, "data-error-for": `${path}.region` }), fields);
    if (!item) return wrap;
    const key = `${i}:${item.id}`;
    picker = this.pickers.get(key);
    const show = () => {
      if (!picker) {
        picker = h("region-picker", { src: `/api/v1/di-tracks/${item.id}/file`, label: item.name });
        picker.addEventListener("regionchange", (e) => {
          entry.region = e.detail;
          start.value = formatSeconds(e.detail?.start_s);
          end.value = formatSeconds(e.detail?.end_s);
          this.ctx.changed();
        });
        this.pickers.set(key, picker);
      }
      picker.region = entry.region;
      wrap.append(picker);
      loadPicker().catch(() => {
        picker.replaceWith(h("p", { class: "muted" }, "The waveform cannot be shown (the page's audio modules are missing); type the region's times."));
      });
    };
    if (picker || item.size_bytes <= WAVEFORM_MAX_BYTES) show();
    else wrap.append(h("button", { type: "button", onclick: (e) => { e.currentTarget.remove(); show(); } }, "Show the waveform to pick a region"));
    return wrap;
  }
}
