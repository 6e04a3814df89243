// /s/{token} and /embed/{token}: a shared render read from the public API
// (GET /api/v1/shared/{token}) and shown with the render page's own sections, over
// share-scoped file URLs. The embed (data-mode="embed") shows the players alone (its TONE3000
// credits are in its HTML); the page also shows the render's videos, if it made any.

import { api, describeError } from "./api.js";
import { h } from "./dom.js";
import { creditsSection } from "./render-credits.js";
import { metricsSection, nullTestSection, plotsSection } from "./render-metrics.js";
import { decisionsSection, listenSection, viewOfShared } from "./render-results.js";
import { videoSection } from "./render-video.js";

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
    const sections = [
      listenSection(view),
      videoSection(view),
      chainsSection(view),
      decisionsSection(view),
      metricsSection(shared.metrics || { renders: [] }),
      nullTestSection(shared.metrics || { null_tests: [] }, view),
      plotsSection(view.outputs, view.dis),
      creditsSection({
        credits: shared.attribution || [],
        tone3000: shared.tone3000_credits || [],
        emptyText: "No third-party captures or IRs to credit.",
      }),
    ];
    body.replaceChildren(...sections.filter(Boolean));
  }
  status.textContent = "";
}

start();
