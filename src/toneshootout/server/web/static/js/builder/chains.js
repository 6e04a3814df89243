// The chains: add, rename and remove chains; add blocks from a menu, reorder them by drag or
// with the Move up / Move down buttons, remove them; capture and IR blocks pick a library item
// or a TONE3000 model (t3k-browser.js), effect blocks get controls generated from the schema
// (controls.js).
import { field, fieldId, h } from "../dom.js";
import "../t3k-browser.js";
import { creditLine, variantLabel } from "../t3k-browser.js";
import { controlFor } from "./controls.js";
import { blockVariants, newBlock, parameters, typeLabel } from "./schema.js";

const CHAIN_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"];
const LIBRARY_FIELDS = { capture_id: ["captures", "capture"], ir_id: ["irs", "IR"] };
const LIBRARY_FIELD_OF = { capture: "capture_id", ir: "ir_id" };
// Blocks switched to TONE3000 whose model is not chosen yet (a block sent to the API carries
// only its schema's fields, so this note lives beside it).
const wantsTone3000 = new WeakSet();

export class ChainsEditor {
  /** @param ctx {state, schema, library: {captures, irs}, changed(),
   *   t3k: {enabled, labels: Map(model_id → {tone, variant} | {problem}), select(format, i, j)}} */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.variants = blockVariants(ctx.schema);
    this.drag = null;
  }

  get chains() {
    return this.ctx.state.chains;
  }

  render(focus = null) {
    const list = h("div", { class: "chain-list" }, this.chains.map((chain, i) => this.#chain(chain, i)));
    const add = h("button", { type: "button", onclick: () => this.addChain() }, "Add chain");
    this.root.replaceChildren(
      h("p", { class: "field-error", id: fieldId("chains") + "-error", "data-error-for": "chains" }),
      list,
      add,
    );
    if (focus) this.root.querySelector(focus)?.focus();
  }

  addChain() {
    this.chains.push({ name: `Chain ${this.chains.length + 1}`, blocks: [] });
    this.ctx.changed();
    this.render(`#${CSS.escape(fieldId(`chains.${this.chains.length - 1}.name`))}`);
  }

  #chain(chain, i) {
    const path = `chains.${i}`;
    const name = h("input", { type: "text", value: chain.name, maxlength: "80", required: true });
    name.addEventListener("input", () => { chain.name = name.value; this.ctx.changed(); });
    const remove = h("button", {
      type: "button", class: "small danger", "aria-label": `Remove chain ${chain.name || i + 1}`,
      onclick: () => { this.chains.splice(i, 1); this.ctx.changed(); this.render(); },
    }, "Remove chain");
    const typeSelect = h("select", { id: `add-block-${i}` },
      this.variants.map((v) => h("option", { value: v.type, title: v.description }, v.label)));
    const addBlock = h("button", { type: "button", onclick: () => this.#addBlock(i, typeSelect.value) }, "Add block");
    const section = h("section", { class: "chain", "aria-label": `Chain ${i + 1}` },
      h("div", { class: "chain-head" }, field("Chain name", name, { path: `${path}.name` }), remove),
      h("p", { class: "field-error", id: `${fieldId(path)}-error`, "data-error-for": path }),
      h("ol", { class: "blocks", "aria-label": `Blocks of ${chain.name || `chain ${i + 1}`}` },
        chain.blocks.map((block, j) => this.#block(block, i, j))),
      h("p", { class: "field-error", id: `${fieldId(`${path}.blocks`)}-error`, "data-error-for": `${path}.blocks` }),
      h("div", { class: "row" }, h("label", { for: typeSelect.id }, "Block type"), typeSelect, addBlock));
    section.style.setProperty("--chain-colour", CHAIN_COLOURS[i % CHAIN_COLOURS.length]);
    return section;
  }

  #addBlock(i, type) {
    const variant = this.variants.find((v) => v.type === type);
    if (!variant) return;
    const block = newBlock(variant);
    for (const [name, [collection]] of Object.entries(LIBRARY_FIELDS)) {
      if (name in (variant.schema.properties ?? {})) block[name] = this.ctx.library[collection][0]?.id ?? "";
    }
    this.chains[i].blocks.push(block);
    this.ctx.changed();
    this.render(`#${CSS.escape(`block-${i}-${this.chains[i].blocks.length - 1}`)} .move-up`);
  }

  #move(i, j, to) {
    const blocks = this.chains[i].blocks;
    if (to < 0 || to >= blocks.length) return;
    const [block] = blocks.splice(j, 1);
    blocks.splice(to, 0, block);
    this.ctx.changed();
    // Focus follows the block: the same Move button, or the other one once it hits an end.
    const up = to < j;
    const atEnd = up ? to === 0 : to === blocks.length - 1;
    const target = up !== atEnd ? ".move-up" : ".move-down";
    this.render(`#${CSS.escape(`block-${i}-${to}`)} ${target}`);
  }

  #block(block, i, j) {
    const path = `chains.${i}.blocks.${j}`;
    const variant = this.variants.find((v) => v.type === block.type);
    const label = typeLabel(block.type, variant?.schema);
    const count = this.chains[i].blocks.length;
    const head = h("div", { class: "block-head" },
      h("span", {},
        h("span", { class: "drag-handle", "aria-hidden": "true", title: "Drag to reorder" }, "⠿ "),
        h("span", { class: "block-type" }, `${j + 1}. ${label}`)),
      h("span", { class: "row" },
        h("button", { type: "button", class: "small move-up", disabled: j === 0, "aria-label": `Move ${label} up`, onclick: () => this.#move(i, j, j - 1) }, "↑ Move up"),
        h("button", { type: "button", class: "small move-down", disabled: j === count - 1, "aria-label": `Move ${label} down`, onclick: () => this.#move(i, j, j + 1) }, "↓ Move down"),
        h("button", { type: "button", class: "small danger block-remove", "aria-label": `Remove ${label}`, onclick: () => {
          this.chains[i].blocks.splice(j, 1); this.ctx.changed(); this.render();
        } }, "Remove")));
    const params = h("div", { class: "params" });
    const source = this.#source(block, i, j, path);
    if (variant) {
      for (const [name, prop] of parameters(variant.schema)) {
        if (source && (name in LIBRARY_FIELDS || name === "tone3000")) continue; // in the source part
        if (source && name === "slim" && this.#fromTone3000(block)) continue;
        const control = this.#param(block, name, prop, `${path}.${name}`);
        if (control) params.append(control);
      }
    } else {
      params.append(h("p", { class: "muted" }, "Parameters use the server's defaults (the schema could not be loaded)."));
    }
    const li = h("li", { class: "block", id: `block-${i}-${j}`, draggable: "true" },
      head, h("p", { class: "field-error", id: `${fieldId(path)}-error`, "data-error-for": path }), source, params);
    this.#dragHandlers(li, i, j);
    return li;
  }

  #fromTone3000(block) {
    return Boolean(block.tone3000) || wantsTone3000.has(block);
  }

  /** Where a capture or IR block's file comes from: the library, or a TONE3000 model. */
  #source(block, i, j, path) {
    const libraryField = LIBRARY_FIELD_OF[block.type];
    if (!libraryField) return null;
    const t3k = this.ctx.t3k ?? { enabled: false };
    const fromT3k = this.#fromTone3000(block);
    if (!t3k.enabled && !fromT3k) return null; // the library pick is drawn with the parameters
    const wrap = h("div", { class: "block-source" });
    const name = `source-${i}-${j}`;
    const radio = (value, label) => {
      const input = h("input", { type: "radio", name, value, checked: (value === "tone3000") === fromT3k, id: `${name}-${value}` });
      input.addEventListener("change", () => this.#switchSource(block, value === "tone3000", i, j));
      return h("label", { class: "check", for: input.id }, input, ` ${label}`);
    };
    wrap.append(h("fieldset", { class: "source-choice" }, h("legend", {}, "Source"), radio("library", "My library"), radio("tone3000", "TONE3000")));
    if (!fromT3k) {
      wrap.append(this.#libraryPick(block, libraryField, `${path}.${libraryField}`, (value) => {
        if (value === undefined) delete block[libraryField]; else block[libraryField] = value;
        this.ctx.changed();
      }));
      return wrap;
    }
    wrap.append(this.#t3kPick(block, i, j, path));
    return wrap;
  }

  #switchSource(block, toT3k, i, j) {
    const libraryField = LIBRARY_FIELD_OF[block.type];
    if (toT3k) {
      delete block[libraryField];
      wantsTone3000.add(block);
      this.openBrowser = `${i}.${j}`;
    } else {
      delete block.tone3000;
      wantsTone3000.delete(block);
      const [collection] = LIBRARY_FIELDS[libraryField];
      block[libraryField] = this.ctx.library[collection][0]?.id ?? "";
    }
    this.ctx.changed();
    this.render(`#${CSS.escape(`source-${i}-${j}-${toT3k ? "tone3000" : "library"}`)}`);
  }

  #t3kPick(block, i, j, path) {
    const ref = block.tone3000;
    const known = ref ? this.ctx.t3k.labels.get(ref.model_id) : null;
    const shown = h("div", { class: "t3k-chosen", id: fieldId(`${path}.tone3000`), tabindex: "-1", dataset: { path: `${path}.tone3000` } });
    if (!ref) shown.append(h("span", { class: "muted" }, `No TONE3000 ${block.type === "ir" ? "IR" : "capture"} chosen yet.`));
    else if (known?.tone) {
      shown.append(
        h("span", { class: "t3k-title" }, variantLabel(known.tone, known.variant)),
        h("span", { class: "muted" }, creditLine(known.tone), " · ",
          known.tone.url ? h("a", { href: known.tone.url, rel: "noopener", target: "_blank" }, "on TONE3000") : "TONE3000"));
    } else if (known?.problem) {
      shown.append(h("span", {}, `TONE3000 tone ${ref.tone_id}, model ${ref.model_id}`), h("span", { class: "field-error" }, known.problem));
    } else {
      shown.append(h("span", {}, `TONE3000 tone ${ref.tone_id}, model ${ref.model_id}`));
    }
    const key = `${i}.${j}`;
    const open = this.openBrowser === key;
    const toggle = h("button", { type: "button", class: "small t3k-toggle", "aria-expanded": String(open), onclick: () => {
      this.openBrowser = open ? null : key;
      this.render(`#${CSS.escape(`block-${i}-${j}`)} .t3k-toggle`);
    } }, open ? "Close the TONE3000 list" : ref ? "Change…" : "Choose on TONE3000…");
    const parts = [shown, h("p", { class: "field-error", id: `${fieldId(`${path}.tone3000`)}-error`, "data-error-for": `${path}.tone3000` }), toggle];
    if (open) {
      const browser = h("t3k-browser", { kind: block.type, mode: "pick", search: this.ctx.t3k.search ? "" : false });
      if (this.ctx.t3k.startTone && this.ctx.t3k.startBlock === key) {
        browser.setAttribute("tone", String(this.ctx.t3k.startTone));
        this.ctx.t3k.startTone = null;
      }
      browser.addEventListener("t3k-pick", (e) => {
        const { tone, variant } = e.detail;
        block.tone3000 = { tone_id: tone.id, model_id: variant.id };
        delete block[LIBRARY_FIELD_OF[block.type]];
        wantsTone3000.delete(block);
        this.ctx.t3k.labels.set(variant.id, { tone, variant });
        this.openBrowser = null;
        this.ctx.changed();
        this.render(`#${CSS.escape(fieldId(`${path}.tone3000`))}`);
      });
      browser.addEventListener("t3k-select", (e) => this.ctx.t3k.select(e.detail.format, i, j));
      parts.push(browser);
    }
    return h("div", { class: "field t3k-field" }, parts);
  }

  #param(block, name, prop, path) {
    const set = (value) => {
      if (value === undefined) delete block[name]; else block[name] = value;
      this.ctx.changed();
    };
    if (name === "tone3000") return null; // drawn by #source, with the library pick
    if (name in LIBRARY_FIELDS) return this.#libraryPick(block, name, path, set);
    if (name === "slim" && block.type === "capture") {
      const capture = this.ctx.library.captures.find((c) => c.id === block.capture_id);
      if (!capture?.metadata?.slim_values?.length) return null; // only slimmable captures have sizes
    }
    return controlFor(name, prop, block[name], path, set);
  }

  #libraryPick(block, name, path, set) {
    const [collection, word] = LIBRARY_FIELDS[name];
    const items = this.ctx.library[collection];
    const select = h("select", { dataset: { path } },
      h("option", { value: "" }, items.length ? `Choose a ${word}…` : `No ${word}s in your library yet`),
      items.map((item) => h("option", { value: item.id, selected: item.id === block[name] }, item.name)));
    if (block[name] && !items.some((item) => item.id === block[name])) {
      select.append(h("option", { value: block[name], selected: true }, `(missing ${word})`));
    }
    select.addEventListener("change", () => {
      set(select.value || undefined);
      if (name === "capture_id") this.render(`#${CSS.escape(fieldId(path))}`); // slim depends on the capture
    });
    return field(word === "IR" ? "IR" : "Capture", select, { path, hint: items.length ? null : "Upload one in the library first." });
  }

  #dragHandlers(li, i, j) {
    li.addEventListener("dragstart", (e) => {
      this.drag = { i, j };
      li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", `${i}:${j}`);
    });
    li.addEventListener("dragend", () => { li.classList.remove("dragging"); this.drag = null; });
    li.addEventListener("dragover", (e) => {
      if (!this.drag) return;
      e.preventDefault();
      const box = li.getBoundingClientRect();
      const after = e.clientY - box.top > box.height / 2;
      li.classList.toggle("drop-after", after);
      li.classList.toggle("drop-before", !after);
    });
    li.addEventListener("dragleave", () => li.classList.remove("drop-after", "drop-before"));
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      const from = this.drag;
      const after = li.classList.contains("drop-after");
      li.classList.remove("drop-after", "drop-before");
      if (!from) return;
      const [block] = this.chains[from.i].blocks.splice(from.j, 1);
      let to = j + (after ? 1 : 0);
      if (from.i === i && from.j < to) to -= 1;
      this.chains[i].blocks.splice(to, 0, block);
      this.drag = null;
      this.ctx.changed();
      this.render();
    });
  }
}
