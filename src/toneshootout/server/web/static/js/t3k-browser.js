// <t3k-browser kind="capture|ir" mode="pick|browse" [search]>: the signed-in user's TONE3000
// tones — favourites, downloads, their own uploads, and a search box where the server's API
// tier allows searching (the `search` attribute) — and, for one tone, every model variant to
// pick from. In "pick" mode a variant's "Use" button fires `t3k-pick` ({tone, variant});
// in "browse" mode it links to a new shootout with that variant. "Pick on TONE3000" fires
// `t3k-select` (the page decides where the select flow returns to). Tone images stay on
// TONE3000: this app loads nothing from another origin, so a tile with the gear stands in.
import { api, ApiError, describeError } from "./api.js";
import { h } from "./dom.js";

const LISTS = [["favorited", "Favourites"], ["downloaded", "Downloads"], ["created", "My uploads"]];
const PAGE_SIZE = 20;
const FORMAT_OF_KIND = { capture: "nam", ir: "ir" };
const HOME = "https://www.tone3000.com";

/** Words for a TONE3000 refusal, with the way out where there is one. */
export function t3kProblem(err) {
  if (err instanceof ApiError) {
    if (err.error === "tone3000_sign_in_required") {
      return h("p", { class: "form-error" }, "Your TONE3000 account is not linked, or its sign-in expired. ",
        h("a", { href: "/account#tone3000" }, "Link TONE3000 on your account page"), " and come back.");
    }
    if (err.error === "tone3000_not_configured") return h("p", { class: "muted" }, "TONE3000 is not set up on this server.");
  }
  return h("p", { class: "form-error" }, describeError(err));
}

/** "Plexi Lead 100W — Gain 7 (A2, standard)" */
export function variantLabel(tone, variant) {
  const facts = [variant.architecture_label, variant.size].filter(Boolean).join(", ");
  return `${tone.title} — ${variant.name || `model ${variant.id}`}${facts ? ` (${facts})` : ""}`;
}

function tile(tone) {
  const letter = (tone.gear_label || tone.title || "?").slice(0, 1).toUpperCase();
  return h("span", { class: `t3k-tile t3k-${tone.kind}`, "aria-hidden": "true" }, letter);
}

export function creditLine(tone) {
  const by = tone.creator ? (tone.creator.display_name || tone.creator.username) : "unknown creator";
  return `by ${by} · ${tone.licence_name}`;
}

class T3kBrowser extends HTMLElement {
  connectedCallback() {
    if (this.ready) return;
    this.ready = true;
    this.kind = this.getAttribute("kind") || "";
    this.mode = this.getAttribute("mode") || "pick";
    this.list = "favorited";
    const lists = this.hasAttribute("search") ? [...LISTS, ["search", "Search"]] : LISTS;
    this.tabs = h("div", { class: "t3k-tabs", role: "group", "aria-label": "TONE3000 lists" },
      lists.map(([value, label]) => h("button", {
        type: "button", class: "small", "aria-pressed": String(value === this.list), dataset: { list: value },
        onclick: () => this.showList(value),
      }, label)));
    const select = h("button", { type: "button", class: "small", onclick: () => this.#select() }, "Pick on TONE3000…");
    this.body = h("div", { class: "t3k-body", "aria-live": "polite" });
    this.append(
      h("div", { class: "t3k-bar" }, this.tabs, select),
      this.body,
      h("p", { class: "t3k-powered" }, h("a", { href: HOME, rel: "noopener", target: "_blank" }, "Powered by TONE3000")));
    const start = this.getAttribute("tone");
    if (start) this.showTone(Number(start)); else this.showList(this.list);
  }

  #select() {
    this.dispatchEvent(new CustomEvent("t3k-select", { bubbles: true, detail: { format: FORMAT_OF_KIND[this.kind] ?? "nam" } }));
  }

  #busy(text) {
    this.body.replaceChildren(h("p", { class: "status", role: "status" }, text));
  }

  /** A token for one view: an answer that arrives after the user moved on is dropped. */
  #turn() {
    this.seq = (this.seq ?? 0) + 1;
    const mine = this.seq;
    return () => mine === this.seq;
  }

  /** The search tab: a query box; results list like the other tabs. */
  #searchForm(query = "") {
    const input = h("input", { type: "search", id: "t3k-query", value: query, maxlength: "100", required: true });
    const form = h("form", { class: "t3k-search", role: "search" },
      h("label", { for: "t3k-query" }, "Search TONE3000"), input,
      h("button", { type: "submit", class: "small" }, "Search"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (input.value.trim()) this.showList("search", 1, null, input.value.trim());
    });
    return form;
  }

  #listUrl(list, page, query) {
    if (list !== "search") return `/api/v1/tone3000/tones?list=${list}&page=${page}&page_size=${PAGE_SIZE}`;
    const format = FORMAT_OF_KIND[this.kind];
    const params = new URLSearchParams({ query, page: String(page), page_size: String(PAGE_SIZE) });
    if (format) params.set("format", format);
    return `/api/v1/tone3000/tones/search?${params}`;
  }

  async showList(list, page = 1, into = null, query = this.query ?? "") {
    this.list = list;
    this.query = query;
    for (const b of this.tabs.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.list === list));
    if (list === "search" && !query) {
      this.#turn();
      this.body.replaceChildren(this.#searchForm());
      this.body.querySelector("input")?.focus();
      return;
    }
    if (!into) this.#busy("Loading from TONE3000…");
    const current = into ? () => into.isConnected : this.#turn();
    let found;
    try {
      found = await api("GET", this.#listUrl(list, page, query));
    } catch (err) {
      if (current()) this.body.replaceChildren(...(list === "search" ? [this.#searchForm(query)] : []), t3kProblem(err));
      return;
    }
    if (!current()) return;
    const usable = this.kind ? found.items.filter((t) => t.kind === this.kind) : found.items;
    const hidden = found.items.length - usable.length;
    const ul = into ?? h("ul", { class: "t3k-tones" });
    ul.append(...usable.map((tone) => this.#toneRow(tone)));
    const notes = [];
    if (!into && !found.items.length) notes.push(h("p", { class: "muted" }, list === "search" ? "Nothing on TONE3000 matches." : "Nothing here yet on TONE3000."));
    if (hidden) notes.push(h("p", { class: "muted small-print" }, `${hidden} ${hidden === 1 ? "tone" : "tones"} on this page ${hidden === 1 ? "is" : "are"} not ${this.kind === "ir" ? "an IR" : "a NAM capture"} and ${hidden === 1 ? "is" : "are"} not shown.`));
    const more = page < found.total_pages
      ? h("button", { type: "button", class: "small", onclick: (e) => { e.target.remove(); this.showList(list, page + 1, ul, query); } }, "More")
      : null;
    if (into) { if (more) ul.after(more); return; }
    const head = list === "search" ? [this.#searchForm(query)] : [];
    this.body.replaceChildren(...head, ul, ...notes, ...(more ? [more] : []));
  }

  #toneRow(tone) {
    const open = h("button", { type: "button", class: "t3k-open", onclick: () => this.showTone(tone.id) },
      tile(tone),
      h("span", { class: "t3k-text" },
        h("span", { class: "t3k-title" }, tone.title),
        h("span", { class: "muted" }, [tone.gear_label, tone.format?.toUpperCase()].filter(Boolean).join(" · ")),
        h("span", { class: "muted" }, creditLine(tone))));
    return h("li", {}, open);
  }

  async showTone(toneId) {
    this.#busy("Loading the tone's models…");
    const current = this.#turn();
    let tone;
    try {
      tone = await api("GET", `/api/v1/tone3000/tones/${toneId}`);
    } catch (err) {
      if (current()) this.body.replaceChildren(t3kProblem(err), this.#back());
      return;
    }
    if (!current()) return;
    const fits = !this.kind || tone.kind === this.kind;
    const variants = [...tone.variants].sort((a, b) => (b.architecture === "2") - (a.architecture === "2"));
    const rows = variants.map((v) => h("tr", {},
      h("td", {}, v.name || `model ${v.id}`), h("td", {}, [v.architecture_label, v.size].filter(Boolean).join(" · ")),
      h("td", {}, this.#action(tone, v, fits))));
    const table = h("table", { class: "t3k-variants" },
      h("caption", { class: "visually-hidden" }, `Models of ${tone.title}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Model"), h("th", { scope: "col" }, "Type"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Action")))),
      h("tbody", {}, rows));
    const parts = [
      this.#back(),
      h("div", { class: "t3k-tone-head" }, tile(tone), h("div", {},
        h("h3", {}, tone.title),
        h("p", { class: "muted" }, [tone.gear_label, tone.format?.toUpperCase()].filter(Boolean).join(" · "), " · ", creditLine(tone)),
        tone.url ? h("a", { href: tone.url, rel: "noopener", target: "_blank" }, "Open on TONE3000") : null)),
      fits ? null : h("p", { class: "notice" }, `This tone is not ${this.kind === "ir" ? "an IR" : "a NAM capture"}, so this block cannot use it.`),
      variants.length ? h("div", { class: "t3k-variants-wrap" }, table) : h("p", { class: "muted" }, "This tone has no models to download."),
    ];
    this.body.replaceChildren(...parts.filter(Boolean)); // replaceChildren would write "null"
  }

  #action(tone, variant, fits) {
    if (this.mode === "browse") {
      if (tone.kind === "other") return "";
      const href = `/shootouts/new?t3k_kind=${tone.kind}&t3k_tone=${tone.id}&t3k_model=${variant.id}`;
      return h("a", { href, class: "button small", "aria-label": `New shootout with ${variantLabel(tone, variant)}` }, "New shootout");
    }
    return h("button", {
      type: "button", class: "small primary", disabled: !fits, "aria-label": `Use ${variantLabel(tone, variant)}`,
      onclick: () => this.dispatchEvent(new CustomEvent("t3k-pick", { bubbles: true, detail: { tone, variant } })),
    }, "Use");
  }

  #back() {
    return h("button", { type: "button", class: "small t3k-back", onclick: () => this.showList(this.list, 1, null, this.query) }, "← Back to the list");
  }
}

customElements.define("t3k-browser", T3kBrowser);
