// Whom a render credits: the captures and IRs of the owner's library (shared page), and every
// TONE3000 model with its creator, licence and tone page, plus "Powered by TONE3000" (TONE3000's
// terms ask for both). Used by the render page, the shared page and the embed. The files of
// TONE3000 models are never linked: only their pages on TONE3000.

import { h } from "./dom.js";

export const TONE3000_HOME = "https://www.tone3000.com";
const KIND_WORDS = { capture: "NAM capture", ir: "cabinet IR" };

/** An <a> to an http(s) page on another site, or plain text when there is no such link. */
function outLink(href, text) {
  return /^https?:\/\//i.test(href || "") ? h("a", { href, rel: "noopener" }, text) : text;
}

/** "Powered by TONE3000", linking TONE3000's home page. */
export function poweredBy() {
  return h("p", { class: "powered-by" }, "Powered by ", outLink(TONE3000_HOME, "TONE3000"));
}

/** One TONE3000 model: tone (its page), model, kind, creator (their page) and licence. */
export function tone3000Credit(credit) {
  return h("li", { class: "t3k-credit" },
    h("strong", {}, outLink(credit.tone_url, credit.tone_title)),
    credit.model_name ? ` — ${credit.model_name}` : "",
    ` (${credit.kind_label || KIND_WORDS[credit.kind] || credit.kind})`,
    h("span", { class: "muted" }, " · by ", outLink(credit.creator_url, credit.creator),
      ` · ${credit.licence_name}`));
}

function libraryCredit(credit) {
  return h("li", {},
    h("strong", {}, credit.name),
    ` (${credit.kind === "ir" ? "IR" : credit.kind})`,
    (credit.details || []).length
      ? h("span", { class: "muted" }, ` · ${credit.details.map(([label, value]) => `${label}: ${value}`).join(" · ")}`)
      : null);
}

/** The "Credits" section: library credits (if given) and the TONE3000 models. */
export function creditsSection({ credits = [], tone3000 = [], headingLevel = "h3", emptyText = null } = {}) {
  const section = h("section", { class: "credits-section", "aria-labelledby": "credits-heading" },
    h(headingLevel, { id: "credits-heading" }, "Credits"));
  const library = credits.filter((c) => c.source !== "tone3000");
  if (!library.length && !tone3000.length) {
    if (emptyText) section.append(h("p", { class: "muted" }, emptyText));
    return section;
  }
  if (library.length) section.append(h("ul", { class: "credits" }, library.map(libraryCredit)));
  if (tone3000.length) {
    section.append(
      h("p", {}, "Captures and IRs from TONE3000, used under their creators' licences:"),
      h("ul", { class: "credits t3k-credits" }, tone3000.map(tone3000Credit)),
    );
  }
  if (tone3000.length || credits.some((c) => c.source === "tone3000")) section.append(poweredBy());
  return section;
}
