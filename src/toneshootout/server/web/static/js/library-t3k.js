// The library's TONE3000 section: "Pick on TONE3000" runs TONE3000's select flow and comes
// back here, where the picked tone opens with its models.
import "./t3k-browser.js";

const browser = document.querySelector("t3k-browser");
const params = new URLSearchParams(location.search);
const picked = Number(params.get("t3k_tone"));
if (browser && picked > 0) {
  history.replaceState(null, "", `${location.pathname}#tone3000`);
  browser.showTone(picked);
  browser.scrollIntoView({ block: "start" });
}
browser?.addEventListener("t3k-select", (e) => {
  const next = "/library";
  location.assign(`/api/v1/tone3000/select?format=${encodeURIComponent(e.detail.format)}&next=${encodeURIComponent(next)}`);
});
