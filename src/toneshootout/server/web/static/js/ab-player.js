// <ab-player>: level-matched A/B switching of one DI's chain renders on one playhead.
// Documented in docs/WEB-PLAYER.md (properties, methods, events, keys, memory budget).
//
//   const player = document.createElement("ab-player");
//   player.chains = [{ name, src, loudnessBefore, loudnessAfter, gainDb, bytes? }, ...];
//   player.montage = { src, timeline };   // optional: the fallback above the memory budget
//   await player.ready;  player.play();  player.select(1);
//
// Blind mode (the `blind` attribute, set before `chains`): for listening tests. The chain
// buttons carry only the names given (letters), no loudness or gain figures; the waveform is a
// neutral time bar (a waveform would tell the takes apart); no montage fallback.

import { AbEngine, sharedContext } from "./ab-engine.js";
import { DECODE_BUDGET_BYTES, OverBudget, decodeChains, mib, releaseBytes } from "./ab-loader.js";
import { CHAIN_COLOURS, Waveform, peaksOf } from "./ab-waveform.js";
import { buildPlayer, chainButton, clock, fallbackView } from "./ab-view.js";

const SEEK_STEP = 5;
const TIMEUPDATE_MS = 100;
const players = new Set();
let keyboardOwner = null; // the player keys go to: the last one used, else the first

function ownerOfKeys() {
  if (keyboardOwner && keyboardOwner.isConnected) return keyboardOwner;
  for (const player of players) if (player.isConnected) return player;
  return null;
}

// Form fields keep their keys, and so do media elements (Space and arrows drive their own
// controls, e.g. the montage's <audio>).
function keepsItsKeys(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, audio, video, [contenteditable=''], [contenteditable='true']"));
}

// One listener for the page: keys act on one player and never while a form field has focus.
document.addEventListener("exclusiveplay", (event) => {
  for (const player of players) if (player !== event.detail) player.pause();
});

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (keepsItsKeys(event.target)) return;
  const player = ownerOfKeys();
  if (player) player.handleKey(event);
});

export class AbPlayer extends HTMLElement {
  constructor() {
    super();
    this._chains = [];
    this._active = 0;
    this._engine = null;
    this._loop = null;
    this._bytes = 0;
    this._ticker = 0;
    this._lastTick = 0;
    this._abort = null;
    this.montage = null;
    this.budgetBytes = DECODE_BUDGET_BYTES;
    this.sampleRate = null;
    this.fallback = false;
    this._decoded = new Map(); // src → AudioBuffer of the chains loaded now (kept on reload)
    this._resolveReady = null;
    this._freshReady();
  }

  _freshReady() {
    this.ready = new Promise((resolve) => { this._resolveReady = resolve; });
  }

  connectedCallback() {
    players.add(this);
    if (!this.ui) {
      this.ui = buildPlayer(this, this.getAttribute("label") || "A/B player", { blind: this.blind });
      this.addEventListener("pointerdown", () => { keyboardOwner = this; });
      this.addEventListener("focusin", () => { keyboardOwner = this; });
      this._wire();
      if (this._chains.length) this._load(); // chains were set before the element was placed
    }
  }

  disconnectedCallback() {
    players.delete(this);
    this.pause();
  }

  // ---- the documented interface ----

  get chains() {
    return this._chains;
  }

  set chains(list) {
    this._chains = Array.from(list || []);
    this._active = 0;
    if (this.ui) this._freshReady(); // `ready` is the promise of the latest load
    this._load();
  }

  /** Blind mode: no per-chain waveform, no loudness or gain figures (see the file's header). */
  get blind() {
    return this.hasAttribute("blind");
  }

  get activeChain() {
    return this._active;
  }

  set activeChain(index) {
    this.select(index);
  }

  get currentTime() {
    return this._engine ? this._engine.position() : 0;
  }

  set currentTime(seconds) {
    this.seek(seconds);
  }

  get duration() {
    return this._engine ? this._engine.duration : 0;
  }

  get paused() {
    return !(this._engine && this._engine.playing);
  }

  get loop() {
    return this._loop ? { ...this._loop } : null;
  }

  set loop(region) {
    const duration = this.duration;
    let next = null;
    if (region && Number.isFinite(region.start) && Number.isFinite(region.end)) {
      const start = Math.max(0, Math.min(region.start, duration));
      const end = Math.max(0, Math.min(region.end, duration));
      if (end - start >= 0.05) next = { start, end };
    }
    this._loop = next;
    if (this._engine) this._engine.setLoop(next);
    this._render();
  }

  /** The last switch: {from, to, requestedAt, rampStartAt, contextTime, rampSeconds, outputAt}. */
  get lastSwitch() {
    return this._engine ? this._engine.lastSwitch : null;
  }

  /** Each chain's gain as the audio graph last computed it (1 for the audible chain, else 0). */
  get gainValues() {
    return this._engine ? this._engine.gains.map((node) => node.gain.value) : [];
  }

  /** The decoded AudioBuffer of chain `i` (tests compare the chains' onsets with it). */
  buffer(i) {
    return this._engine ? this._engine.buffers[i] : null;
  }

  async play() {
    if (!this._engine) return;
    // One thing plays at a time: the other players, and any <montage-player>, stop.
    document.dispatchEvent(new CustomEvent("exclusiveplay", { detail: this }));
    keyboardOwner = this;
    await this._engine.ctx.resume();
    this._engine.play();
    this._tick();
    this._render();
  }

  pause() {
    if (!this._engine || !this._engine.playing) return;
    this._engine.pause();
    this._render();
    this._emitTime();
  }

  select(index, requestedAt = performance.now()) {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= this._chains.length) return;
    const previous = this._active;
    this._active = i;
    if (this._engine) this._engine.select(i, requestedAt);
    this._render();
    if (previous !== i) {
      this.dispatchEvent(new CustomEvent("chainchange", {
        detail: { index: i, previous, name: this._chains[i].name },
      }));
    }
  }

  seek(seconds) {
    if (!this._engine || !Number.isFinite(Number(seconds))) return;
    this._engine.seek(Number(seconds));
    this._render();
    this._emitTime();
  }

  // ---- keyboard ----

  handleKey(event) {
    if (this.fallback || !this._engine) return;
    const inside = this.contains(event.target);
    const onControl = event.target instanceof Element && event.target.closest("button, a, summary");
    if (event.key >= "1" && event.key <= "9") {
      const index = Number(event.key) - 1;
      if (index < this._chains.length) {
        event.preventDefault();
        this.select(index, event.timeStamp);
      }
    } else if (event.key === " " && (inside || !onControl)) {
      event.preventDefault(); // in the player Space always plays/pauses (Enter clicks buttons)
      if (this.paused) this.play(); else this.pause();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      this.seek(this.currentTime + (event.key === "ArrowLeft" ? -SEEK_STEP : SEEK_STEP));
    }
  }

  // ---- internals ----

  _wire() {
    const ui = this.ui;
    ui.play.addEventListener("click", () => (this.paused ? this.play() : this.pause()));
    ui.back.addEventListener("click", () => this.seek(this.currentTime - SEEK_STEP));
    ui.forward.addEventListener("click", () => this.seek(this.currentTime + SEEK_STEP));
    ui.loopStart.addEventListener("click", () => {
      const end = this._loop ? this._loop.end : this.duration;
      this.loop = { start: this.currentTime, end };
    });
    ui.loopEnd.addEventListener("click", () => {
      const start = this._loop ? this._loop.start : 0;
      this.loop = { start, end: this.currentTime };
    });
    ui.loopClear.addEventListener("click", () => { this.loop = null; });
    this.waveform = new Waveform(ui.canvas, {
      onSeek: (t) => this.seek(t),
      onLoop: (region) => { this.loop = region; },
    });
  }

  async _load() {
    if (!this.ui) return;
    this._teardown();
    const chains = this._chains;
    const blind = this.blind;
    const noun = blind ? "takes" : "chains";
    this.ui.chains.replaceChildren(...chains.map((c, i) => chainButton(c, i, () => this.select(i), { blind })));
    this._status(`Loading ${chains.length} ${noun}…`, true);
    this.ui.progress.hidden = false;
    const abort = new AbortController();
    this._abort = abort;
    const resolveReady = this._resolveReady; // this load's promise, even if another replaces it
    try {
      const context = sharedContext(this.sampleRate);
      const { buffers, bytes } = await decodeChains(context, chains, {
        budget: this.budgetBytes,
        signal: abort.signal,
        known: this._decoded,
        onProgress: (done, total, fraction) => {
          if (!abort.signal.aborted) this._decodeProgress(done, total, fraction, blind ? "take" : "chain");
        },
      });
      if (abort.signal.aborted) { releaseBytes(bytes); return; }
      this._bytes = bytes;
      this._decoded = new Map(chains.map((c, i) => [c.src, buffers[i]]));
      this._engine = new AbEngine(context, buffers, this._active);
      this._engine.onended = () => { this._render(); this._emitTime(); };
      this._peaks = blind ? null : buffers.map(peaksOf);
      this._status(`Ready: ${chains.length} ${noun}, ${clock(this.duration)}. Decoded ${mib(bytes)}.`, false);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (error instanceof OverBudget && this.montage && !blind) {
        this._fallBack(error);
      } else {
        this._status(`The player could not load: ${error.message}`, false, true);
      }
    } finally {
      if (!abort.signal.aborted) {
        this.ui.progress.hidden = true;
        this._render();
      }
      resolveReady();
    }
  }

  _fallBack(error) {
    this.fallback = true;
    this.ui.body.hidden = true;
    const note = `These takes ${error.message}, so the player streams the montage instead ` +
      "(every chain in turn, same position) and cannot switch on one playhead.";
    this.ui.root.append(fallbackView(this.montage, note));
    this._status(note, false);
    this.dispatchEvent(new CustomEvent("fallback", { detail: { needed: error.needed } }));
  }

  _decodeProgress(done, total, fraction, noun) {
    const overall = (done + fraction) / total;
    this.ui.progress.value = overall;
    this.ui.progress.textContent = `${Math.round(overall * 100)} %`;
    const shown = Math.min(done + 1, total);
    this._status(`Loading ${noun} ${shown} of ${total} (${Math.round(overall * 100)} %)…`, true);
  }

  _status(text, busy, bad = false) {
    this.ui.status.textContent = text;
    this.ui.status.classList.toggle("bad", bad);
    this.setAttribute("aria-busy", busy ? "true" : "false");
  }

  _teardown() {
    if (this._abort) this._abort.abort();
    if (this._engine) this._engine.dispose();
    this._engine = null;
    releaseBytes(this._bytes);
    this._bytes = 0;
  }

  _tick() {
    cancelAnimationFrame(this._ticker);
    const frame = (now) => {
      this._renderPlayhead();
      if (now - this._lastTick >= TIMEUPDATE_MS) {
        this._lastTick = now;
        this._emitTime();
      }
      if (!this.paused) this._ticker = requestAnimationFrame(frame);
    };
    this._ticker = requestAnimationFrame(frame);
  }

  _emitTime() {
    this.dispatchEvent(new CustomEvent("timeupdate", { detail: { currentTime: this.currentTime } }));
  }

  _renderPlayhead() {
    const ui = this.ui;
    const t = this.currentTime;
    ui.time.textContent = `${clock(t)} / ${clock(this.duration)}`;
    ui.canvas.setAttribute("aria-valuenow", t.toFixed(1));
    ui.canvas.setAttribute("aria-valuetext", `${clock(t)} of ${clock(this.duration)}`);
    this.waveform.position = t;
    this.waveform.loop = this._loop;
    this.waveform.draw();
  }

  _render() {
    const ui = this.ui;
    if (!ui) return;
    const ready = Boolean(this._engine);
    for (const control of [ui.play, ui.back, ui.forward, ui.loopStart, ui.loopEnd]) control.disabled = !ready;
    ui.loopClear.disabled = !ready || !this._loop;
    ui.play.textContent = this.paused ? "Play" : "Pause";
    ui.chains.querySelectorAll("button").forEach((button, i) => {
      button.setAttribute("aria-pressed", String(i === this._active));
      button.disabled = !ready;
    });
    ui.loopText.textContent = this._loop
      ? `Loop ${clock(this._loop.start)}–${clock(this._loop.end)}`
      : "No loop";
    ui.canvas.setAttribute("aria-valuemax", this.duration.toFixed(1));
    if (ready) {
      const colour = CHAIN_COLOURS[this._active % CHAIN_COLOURS.length];
      this.waveform.set(this._peaks ? this._peaks[this._active] : null, this.duration, colour);
    }
    this._renderPlayhead();
  }
}

customElements.define("ab-player", AbPlayer);
