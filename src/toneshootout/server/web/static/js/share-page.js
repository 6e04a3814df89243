// /s/{token} and /embed/{token}: a shared render read from the public API
// (GET /api/v1/shared/{token}) and shown with the render page's own sections, over
// share-scoped file URLs. The embed (data-mode="embed") shows the players alone.

import { api, describeError } from "./api.js";
import { h } from "./dom.js";
import { metricsSection, nullTestSection, plotsSection } from "./render-metrics.js";
import { decisionsSection, listenSection, viewOfShared } from "./render-results.js";

const root = document.getElementById("share-page");
const token = root.dataset.token;
const embed = root.dataset.mode === "embed";
const body = document.getElementById("share-body");
const status = document.getElementById("share-status");

const BLOCK_WORDS = { capture: "Amp capture", ir: "Cabinet IR" };

function blockLine(block) {
  const kind = BLOCK_WORDS[block.type] || block.type.charAt(0).toUpperCase() + block.type.slice(1);
  const gear = [block.gear_make, block.gear_model].filter(Boolean).join(" ");
  const extra = [gear, block.architecture, block.modeled_by ? `modelled by ${block.modeled_by}` : ""].filter(Boolean);
  return `${kind}${block.name ? `: ${block.name}` : ""}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

/** What each chain is made of, block by block. */
export function chainsSection(view) {
  const list = h("dl", { class: "chain-blocks" });
  view.chainBlocks.forEach((chain, i) => {
    list.append(
      h("dt", { class: `chain-c${i % 7}` }, chain.name),
      h("dd", {}, h("ol", {}, (chain.blocks || []).map((b) => h("li", {}, blockLine(b))))),
    );
  });
  return h("section", { "aria-labelledby": "chains-heading" }, h("h3", { id: "chains-heading" }, "The chains"), list);
}

/** Whom to credit: every capture and IR the render used, with what is known of its maker. */
export function attributionSection(credits) {
  const section = h("section", { "aria-labelledby": "credits-heading" }, h("h3", { id: "credits-heading" }, "Credits"));
  if (!credits || !credits.length) {
    section.append(h("p", { class: "muted" }, "No third-party captures or IRs to credit."));
    return section;
  }
  section.append(h("ul", { class: "credits" }, credits.map((credit) => h("li", {},
    h("strong", {}, credit.name),
    ` (${credit.kind === "ir" ? "IR" : credit.kind})`,
    (credit.details || []).length
      ? h("span", { class: "muted" }, ` · ${credit.details.map(([label, value]) => `${label}: ${value}`).join(" · ")}`)
      : null))));
  if (credits.some((c) => c.source === "tone3000")) {
    section.append(h("p", { class: "powered-by" }, "Powered by ", h("a", { href: "https://www.tone3000.com", rel: "noopener" }, "TONE3000")));
  }
  return section;
}

async function start() {
  let shared;
  try {
    shared = await api("GET", `/api/v1/shared/${encodeURIComponent(token)}`);
  } catch (error) {
    status.textContent = error.status === 404
      ? "This link no longer works: it was revoked or has expired."
      : `The shootout could not be loaded: ${describeError(error)}`;
    status.classList.add("bad");
    return;
  }
  const view = viewOfShared(shared);
  if (embed) {
    body.replaceChildren(listenSection(view, { withMontage: false, heading: false, headingLevel: "h2" }));
  } else {
    body.replaceChildren(
      listenSection(view),
      chainsSection(view),
      decisionsSection(view),
      metricsSection(shared.metrics || { renders: [] }),
      nullTestSection(shared.metrics || { null_tests: [] }, view),
      plotsSection(view.outputs, view.dis),
      attributionSection(shared.attribution),
    );
  }
  status.textContent = "";
}

start();
