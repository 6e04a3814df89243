// <montage-player>: the montage WAV (every chain in turn over the same DI window) streamed in
// an <audio> element, with the segment playing highlighted from the manifest's timeline.
//
//   player.timeline = [{index, chain, start_ms, end_ms, ...}, ...];
//   player.src = "/api/v1/renders/<id>/files/montage/<di>.wav";

import { clock, el } from "./ab-view.js";

export class MontagePlayer extends HTMLElement {
  constructor() {
    super();
    this._timeline = [];
    this._current = -1;
    this._frame = 0;
  }

  connectedCallback() {
    if (this.audio) return;
    const label = this.getAttribute("label") || "Montage";
    this.audio = el("audio", { controls: true, preload: "metadata", "aria-label": label });
    this.now = el("p", { class: "montage-now", role: "status", text: "Not playing." });
    this.list = el("ol", { class: "montage-segments", "aria-label": `${label}: segments` });
    this.replaceChildren(this.audio, this.now, this.list);
    const follow = () => {
      this._highlight();
      if (!this.audio.paused) this._frame = requestAnimationFrame(follow);
    };
    this.audio.addEventListener("play", () => {
      document.dispatchEvent(new CustomEvent("exclusiveplay", { detail: this }));
      this._frame = requestAnimationFrame(follow);
    });
    // Another player started: this one stops (one sound at a time on the page).
    this._onExclusive = (event) => { if (event.detail !== this && !this.audio.paused) this.audio.pause(); };
    document.addEventListener("exclusiveplay", this._onExclusive);
    this.audio.addEventListener("timeupdate", () => this._highlight());
    this.audio.addEventListener("seeked", () => this._highlight());
    if (this._src) this.audio.src = this._src;
    this._renderList();
  }

  disconnectedCallback() {
    if (this.audio) this.audio.pause();
    document.removeEventListener("exclusiveplay", this._onExclusive);
    this.audio = null; // connecting again builds it afresh
  }

  get src() {
    return this._src;
  }

  set src(value) {
    this._src = value;
    if (this.audio) this.audio.src = value;
  }

  get timeline() {
    return this._timeline;
  }

  set timeline(segments) {
    this._timeline = Array.from(segments || []);
    this._renderList();
  }

  /** The index of the segment under the playhead, or -1. */
  get currentSegment() {
    return this._current;
  }

  _renderList() {
    if (!this.list) return;
    this.list.replaceChildren(
      ...this._timeline.map((segment, i) => {
        const text = `${segment.chain}: ${clock(segment.start_ms / 1000)}–${clock(segment.end_ms / 1000)}`;
        const button = el("button", { type: "button", class: "link-button", text });
        button.addEventListener("click", () => {
          this.audio.currentTime = segment.start_ms / 1000;
          this._highlight();
        });
        return el("li", { class: `montage-segment chain-c${this._chainIndex(segment.chain) % 7}`, "data-index": String(i) }, button);
      }),
    );
    this._current = -1;
    this._highlight();
  }

  _chainIndex(name) {
    const order = [...new Set(this._timeline.map((s) => s.chain))];
    return Math.max(0, order.indexOf(name));
  }

  _highlight() {
    if (!this.audio) return;
    const ms = this.audio.currentTime * 1000;
    const index = this._timeline.findIndex((s) => ms >= s.start_ms && ms < s.end_ms);
    if (index === this._current) return;
    this._current = index;
    this.list.querySelectorAll("li").forEach((li, i) => {
      li.classList.toggle("playing", i === index);
      if (i === index) li.setAttribute("aria-current", "true");
      else li.removeAttribute("aria-current");
    });
    const segment = this._timeline[index];
    this.now.textContent = segment
      ? `Now: ${segment.chain} (segment ${index + 1} of ${this._timeline.length})`
      : this.audio.paused ? "Not playing." : "Between segments.";
    this.dispatchEvent(new CustomEvent("segmentchange", { detail: { index, segment: segment || null } }));
  }
}

customElements.define("montage-player", MontagePlayer);
