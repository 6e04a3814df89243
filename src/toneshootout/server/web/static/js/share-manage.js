// The render page's "Share" section (owner): create an unlisted or public link with an optional
// expiry, show a new link once with a Copy button, and list the render's links with their
// counts, a Results link, Close/Open voting and Revoke. Everything goes through the owner API
// (/api/v1/renders/{id}/shares, /api/v1/shares/{id}).

import { api, describeError } from "./api.js";
import { h } from "./dom.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const STATE_WORDS = { active: "Active", expired: "Expired", revoked: "Revoked" };
const $ = (id) => document.getElementById(id);

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function absolute(path) {
  return new URL(path, location.origin).href;
}

/** Copy `text`; the clipboard API where allowed, else the selected field's text. */
async function copy(text, field, status) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    field.focus();
    field.select();
    document.execCommand("copy");
  }
  status.textContent = "Copied.";
}

function copyRow(label, value, { multiline = false } = {}) {
  const status = h("span", { class: "status ok", role: "status" });
  const field = multiline
    ? h("textarea", { readonly: true, rows: 3, class: "copy-field", "aria-label": label }, value)
    : h("input", { type: "text", readonly: true, value, class: "copy-field", "aria-label": label });
  const button = h("button", { type: "button", class: "small", onclick: () => copy(value, field, status) }, `Copy ${label.toLowerCase()}`);
  return h("div", { class: "copy-row" }, field, h("div", { class: "row" }, button, status));
}

function embedCode(embedUrl, title) {
  const src = absolute(embedUrl);
  const safeTitle = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<iframe src="${src}" title="${safeTitle}" width="100%" height="480" loading="lazy"></iframe>`;
}

export class ShareManager {
  constructor(renderId, title) {
    this.renderId = renderId;
    this.title = title;
    this.section = $("share");
    this.form = $("share-form");
    this.list = $("share-list");
  }

  async start() {
    this.section.hidden = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    $("share-create").disabled = false;
    await this.refresh();
    return this;
  }

  async create() {
    const button = $("share-create");
    const error = $("share-error");
    error.textContent = "";
    button.disabled = true;
    const visibility = this.form.querySelector("input[name=visibility]:checked").value;
    const days = Number($("share-expiry").value) || 0;
    const body = { visibility, expires_at: days ? new Date(Date.now() + days * DAY_MS).toISOString() : null };
    try {
      const created = await api("POST", `/api/v1/renders/${this.renderId}/shares`, body);
      this.showNew(created);
      await this.refresh();
    } catch (err) {
      error.textContent = `The link could not be made: ${describeError(err)}`;
    } finally {
      button.disabled = false;
    }
  }

  showNew(created) {
    const box = $("share-new");
    const unlisted = created.visibility === "unlisted";
    box.replaceChildren(
      h("h3", { tabindex: "-1", id: "share-new-heading" }, unlisted ? "Your new unlisted link" : "Your new public link"),
      unlisted
        ? h("p", { class: "warning" }, "Copy it now: this is the only time it is shown. Only a fingerprint of it is kept, so a lost link cannot be shown again (make a new one).")
        : h("p", {}, "It is listed in the gallery too."),
      copyRow("Link", absolute(created.url)),
      h("p", { class: "muted" }, "To put the player on your own site:"),
      copyRow("Embed code", embedCode(created.embed_url, this.title), { multiline: true }),
    );
    box.hidden = false;
    box.querySelector("h3").focus();
  }

  async refresh() {
    const status = $("share-list-status");
    try {
      const { items } = await api("GET", `/api/v1/renders/${this.renderId}/shares`);
      status.textContent = items.length ? "" : "No links yet.";
      this.list.replaceChildren(h("ul", { class: "share-items" }, items.map((share) => this.item(share))));
    } catch (err) {
      status.textContent = `The links could not be loaded: ${describeError(err)}`;
      status.classList.add("bad");
    }
  }

  item(share) {
    const active = share.state === "active";
    const kind = share.visibility === "public" ? "Public link" : "Unlisted link";
    const facts = [
      plural(share.views, "view"),
      plural(share.listeners, "blind listener"),
      plural(share.votes, "vote"),
      `${plural(share.abx_runs, "ABX run")} (${share.abx_completed} finished)`,
    ];
    const dates = [`made ${when(share.created_at)}`];
    if (share.revoked_at) dates.push(`revoked ${when(share.revoked_at)}`);
    else if (share.expires_at) dates.push(`${share.state === "expired" ? "expired" : "expires"} ${when(share.expires_at)}`);
    else dates.push("never expires");
    const link = share.url && active
      ? h("p", {}, h("a", { href: share.url }, absolute(share.url)))
      : h("p", { class: "muted" }, `Link ending …${share.token_hint}${active ? "" : " (no longer opens)"}`);
    const actions = h("div", { class: "row share-actions" },
      h("a", { class: "button small", href: share.results_url }, "Results"));
    if (active) {
      actions.append(
        h("button", { type: "button", class: "small", onclick: (e) => this.setVoting(share, e.currentTarget) },
          share.voting_open ? "Close voting" : "Open voting"),
        h("button", { type: "button", class: "small danger", onclick: (e) => this.confirmRevoke(share, e.currentTarget) }, "Revoke"),
      );
    }
    return h("li", { class: `share-item share-${share.state}`, "data-share-id": share.id },
      h("div", { class: "row spread" },
        h("strong", {}, kind),
        h("span", { class: `share-state state-${share.state}` }, STATE_WORDS[share.state] || share.state,
          active ? ` · voting ${share.voting_open ? "open" : "closed"}` : "")),
      link,
      h("p", { class: "muted share-counts" }, facts.join(" · ")),
      h("p", { class: "muted" }, dates.join(" · ")),
      actions,
      h("p", { class: "form-error", role: "alert" }));
  }

  async setVoting(share, button) {
    button.disabled = true;
    try {
      await api("PATCH", `/api/v1/shares/${share.id}`, { voting_open: !share.voting_open });
      await this.refresh();
    } catch (err) {
      this.fail(button, err);
    }
  }

  /** Revoking cannot be undone: ask once more, in place (no browser dialog). */
  confirmRevoke(share, button) {
    const row = button.closest(".share-actions");
    const sure = h("button", { type: "button", class: "small danger", onclick: () => this.revoke(share, sure) }, "Revoke for good");
    const keep = h("button", { type: "button", class: "small", onclick: () => this.refresh() }, "Keep it");
    row.replaceChildren(h("span", {}, "The link stops working for everyone. Its counts stay here."), sure, keep);
    sure.focus();
  }

  async revoke(share, button) {
    button.disabled = true;
    try {
      await api("DELETE", `/api/v1/shares/${share.id}`);
      await this.refresh();
    } catch (err) {
      this.fail(button, err);
    }
  }

  fail(button, err) {
    button.disabled = false;
    const item = button.closest(".share-item");
    if (item) item.querySelector(".form-error").textContent = describeError(err);
  }
}
