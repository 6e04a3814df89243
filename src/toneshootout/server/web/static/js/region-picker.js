// <region-picker>: a DI's waveform (wavesurfer.js) on which a region is dragged out, moved and
// resized; the region is what the shootout renders of that DI.
//
//   <region-picker src="/api/v1/di-tracks/<id>/file" duration="30.0" label="riff.wav"></region-picker>
//   picker.region = {start_s: 1, end_s: 5};      // or null for the whole track
//   picker.addEventListener("regionchange", (e) => e.detail);  // {start_s, end_s} or null
//
// Buttons: play/pause (from the region's start when there is one) and "Use the whole track".
// The waveform loads when the element is first shown; it is torn down when removed.
import { WaveSurfer, RegionsPlugin } from "/static/vendor/index.js";
import { h } from "./dom.js";

const REGION_COLOUR = "rgba(230, 159, 0, 0.28)"; // Okabe–Ito orange
const round = (t) => Math.round(t * 1000) / 1000;

function cspNonce() {
  return document.querySelector('meta[name="csp-nonce"]')?.content ?? "";
}

export class RegionPicker extends HTMLElement {
  #ws = null;
  #regions = null;
  #region = null; // the wavesurfer region object
  #value = null; // {start_s, end_s} | null
  #status = null;
  #play = null;

  constructor() {
    super();
    // A value set before this element was upgraded (the module loads lazily) shadows the
    // accessor: take it over.
    if (Object.hasOwn(this, "region")) {
      const value = this.region;
      delete this.region;
      this.region = value;
    }
  }

  get region() {
    return this.#value;
  }

  set region(value) {
    this.#value = value ? { start_s: value.start_s, end_s: value.end_s } : null;
    this.#drawRegion();
  }

  connectedCallback() {
    if (this.#ws || this.childElementCount) return;
    const label = this.getAttribute("label") ?? "DI track";
    const wave = h("div", { class: "waveform", role: "img", "aria-label": `Waveform of ${label}; drag across it to pick a region` });
    this.#status = h("p", { class: "status", role: "status" }, "Loading the waveform…");
    this.#play = h("button", { type: "button", class: "small", disabled: true, onclick: () => this.#togglePlay() }, "Play");
    const whole = h("button", { type: "button", class: "small", onclick: () => this.#setValue(null) }, "Use the whole track");
    this.append(wave, this.#status, h("div", { class: "row" }, this.#play, whole));
    this.#ws = WaveSurfer.create({
      container: wave,
      url: this.getAttribute("src"),
      height: 80,
      waveColor: "#56b4e9",
      progressColor: "#0072b2",
      cursorColor: "#f0e442",
      normalize: true,
      cspNonce: cspNonce(),
      fetchParams: { credentials: "same-origin" },
    });
    this.#regions = this.#ws.registerPlugin(RegionsPlugin.create());
    this.#regions.enableDragSelection({ color: REGION_COLOUR });
    this.#regions.on("region-created", (region) => this.#adopt(region));
    this.#regions.on("region-updated", (region) => this.#setValue({ start_s: round(region.start), end_s: round(region.end) }, false));
    this.#ws.on("ready", () => {
      this.#status.textContent = "";
      this.#play.disabled = false;
      this.#drawRegion();
    });
    this.#ws.on("error", () => { this.#status.textContent = "The waveform could not be loaded; type the region's times instead."; });
    this.#ws.on("play", () => { this.#play.textContent = "Pause"; });
    this.#ws.on("pause", () => { this.#play.textContent = "Play"; });
    this.#ws.on("timeupdate", (t) => {
      if (this.#value && t >= this.#value.end_s) this.#ws.pause();
    });
  }

  disconnectedCallback() {
    // A node that is only being moved is connected again before this runs.
    queueMicrotask(() => {
      if (!this.isConnected) {
        this.#ws?.destroy();
        this.#ws = null;
        this.replaceChildren();
      }
    });
  }

  #adopt(region) {
    if (this.#region && this.#region !== region) this.#region.remove();
    this.#region = region;
    if (!this.#drawing) this.#setValue({ start_s: round(region.start), end_s: round(region.end) }, false);
  }

  #drawing = false;

  #drawRegion() {
    if (!this.#regions || !this.#ws?.getDuration()) return;
    this.#drawing = true;
    if (!this.#value) {
      this.#region?.remove();
      this.#region = null;
    } else if (this.#region) {
      this.#region.setOptions({ start: this.#value.start_s, end: this.#value.end_s });
    } else {
      this.#regions.addRegion({ start: this.#value.start_s, end: this.#value.end_s, color: REGION_COLOUR, drag: true, resize: true });
    }
    this.#drawing = false;
  }

  #setValue(value, redraw = true) {
    this.#value = value;
    if (redraw) this.#drawRegion();
    this.dispatchEvent(new CustomEvent("regionchange", { detail: value, bubbles: true }));
  }

  #togglePlay() {
    if (!this.#ws) return;
    if (this.#ws.isPlaying()) { this.#ws.pause(); return; }
    const t = this.#ws.getCurrentTime();
    if (this.#value && (t < this.#value.start_s || t >= this.#value.end_s - 0.01)) this.#ws.setTime(this.#value.start_s);
    this.#ws.play();
  }
}

customElements.define("region-picker", RegionPicker);
