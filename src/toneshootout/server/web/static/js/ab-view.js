// The A/B player's markup: built with DOM calls (no innerHTML, no inline styles: page CSP).

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("aria-") || key.startsWith("data-") || key === "role") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Seconds as m:ss.s */
export function clock(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  const minutes = Math.floor(s / 60);
  const rest = (s - minutes * 60).toFixed(1).padStart(4, "0");
  return `${minutes}:${rest}`;
}

export function signed(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return "–";
  const n = Number(value);
  const text = Math.abs(n).toFixed(digits);
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : text;
}

/**
 * A chain's button: its key, its name and (unless `blind`) its loudness before → after and the
 * gain applied. Blind, the button says nothing but the name it was given (a letter).
 */
export function chainButton(chain, index, onClick, { blind = false } = {}) {
  const levels = `${signed(chain.loudnessBefore)} → ${signed(chain.loudnessAfter)} LUFS`;
  const gain = `gain ${signed(chain.gainDb)} dB`;
  const button = el(
    "button",
    { type: "button", class: `abp-chain chain-c${index % 7}${blind ? " abp-blind" : ""}`, "aria-pressed": "false" },
    el("span", { class: "abp-key", "aria-hidden": "true", text: index < 9 ? String(index + 1) : "" }),
    el("span", { class: "abp-name", text: chain.name }),
    blind ? null : el("span", { class: "abp-levels", text: `${levels} · ${gain}` }),
  );
  button.setAttribute("aria-keyshortcuts", index < 9 ? String(index + 1) : "");
  button.addEventListener("click", onClick);
  return button;
}

export function buildPlayer(host, label, { blind = false } = {}) {
  const status = el("p", { class: "abp-status status", role: "status" });
  const progress = el("progress", { class: "abp-progress", max: 1, value: 0, "aria-label": `${label}: decoding` });
  const chains = el("div", { class: "abp-chains", role: "group", "aria-label": `${label}: chains (keys 1–9)` });
  const canvas = el("canvas", {
    class: "abp-wave",
    role: "slider",
    tabIndex: 0,
    "aria-label": `${label}: ${blind ? "time bar" : "playhead"} (drag to set a loop)`,
    "aria-valuemin": "0",
    "aria-valuemax": "0",
    "aria-valuenow": "0",
  });
  const play = el("button", { type: "button", class: "primary abp-play", text: "Play" });
  const back = el("button", { type: "button", text: "Back 5 s", "aria-keyshortcuts": "ArrowLeft" });
  const forward = el("button", { type: "button", text: "Forward 5 s", "aria-keyshortcuts": "ArrowRight" });
  play.setAttribute("aria-keyshortcuts", "Space");
  const time = el("span", { class: "abp-time", text: "0:00.0 / 0:00.0" });
  const loopStart = el("button", { type: "button", class: "small", text: "Loop from here" });
  const loopEnd = el("button", { type: "button", class: "small", text: "Loop to here" });
  const loopClear = el("button", { type: "button", class: "small", text: "Clear loop" });
  const loopText = el("span", { class: "abp-loop-text muted", text: "No loop" });
  const body = el(
    "div",
    { class: "abp-body" },
    chains,
    canvas,
    el("div", { class: "abp-transport row" }, play, back, forward, time),
    el("div", { class: "abp-loop row" }, loopStart, loopEnd, loopClear, loopText),
    el("p", {
      class: "abp-keys muted",
      text: blind
        ? "Keys: 1–9 pick a take (in the order shown) · Space plays or pauses · ← → move 5 s · drag on the time bar to loop."
        : "Keys: 1–9 pick a chain · Space plays or pauses · ← → move 5 s · drag on the waveform to loop.",
    }),
  );
  const root = el("div", { class: "abp", role: "region", "aria-label": label }, status, progress, body);
  host.replaceChildren(root);
  return { root, body, status, progress, chains, canvas, play, back, forward, time, loopStart, loopEnd, loopClear, loopText };
}

export function fallbackView(montage, note) {
  return el(
    "div",
    { class: "abp-fallback" },
    el("p", { class: "warning", text: note }),
    el("audio", { controls: true, preload: "metadata", src: montage.src, "aria-label": "Montage (streamed)" }),
  );
}
