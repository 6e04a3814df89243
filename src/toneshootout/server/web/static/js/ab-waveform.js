// The player's waveform: drawn on a canvas from the decoded buffer (no extra download), with
// the playhead and the loop region. A click seeks; a drag sets the loop. Without peaks (the
// blind mode: a waveform would tell the chains apart) it is a neutral time bar with a tick
// every second (every 10 s past two minutes), the same for every take.

const BINS = 2048;
const DRAG_PIXELS = 5; // a pointer that moved less than this clicked (seek), else dragged (loop)
export const CHAIN_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"];

/** Min/max pairs of the first channel in BINS columns. */
export function peaksOf(buffer) {
  const data = buffer.getChannelData(0);
  const step = Math.max(1, Math.floor(data.length / BINS));
  const peaks = new Float32Array(BINS * 2);
  for (let bin = 0; bin < BINS; bin += 1) {
    let lo = 0;
    let hi = 0;
    const end = Math.min(data.length, (bin + 1) * step);
    for (let i = bin * step; i < end; i += 1) {
      const v = data[i];
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    peaks[bin * 2] = lo;
    peaks[bin * 2 + 1] = hi;
  }
  return peaks;
}

export class Waveform {
  constructor(canvas, { onSeek, onLoop }) {
    this.canvas = canvas;
    this.onSeek = onSeek;
    this.onLoop = onLoop;
    this.peaks = null;
    this.colour = CHAIN_COLOURS[0];
    this.duration = 0;
    this.position = 0;
    this.loop = null;
    this.drag = null;
    canvas.addEventListener("pointerdown", (e) => this._down(e));
    canvas.addEventListener("pointermove", (e) => this._move(e));
    canvas.addEventListener("pointerup", (e) => this._up(e));
    canvas.addEventListener("pointercancel", () => { this.drag = null; this.draw(); });
    this.resizer = new ResizeObserver(() => this._resize());
    this.resizer.observe(canvas);
  }

  set(peaks, duration, colour) {
    this.peaks = peaks;
    this.duration = duration;
    this.colour = colour;
    this.draw();
  }

  _resize() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.draw();
  }

  _seconds(event) {
    const rect = this.canvas.getBoundingClientRect();
    const x = Math.min(Math.max(0, event.clientX - rect.left), rect.width);
    return rect.width ? (x / rect.width) * this.duration : 0;
  }

  _down(event) {
    if (!this.duration) return;
    this.canvas.setPointerCapture(event.pointerId);
    this.drag = { x: event.clientX, from: this._seconds(event), to: null };
  }

  _move(event) {
    if (!this.drag) return;
    if (Math.abs(event.clientX - this.drag.x) >= DRAG_PIXELS) {
      this.drag.to = this._seconds(event);
      this.draw();
    }
  }

  _up(event) {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    if (drag.to === null) {
      this.onSeek(this._seconds(event));
      return;
    }
    const start = Math.min(drag.from, drag.to);
    const end = Math.max(drag.from, drag.to);
    this.onLoop({ start, end });
  }

  draw() {
    const { canvas } = this;
    const g = canvas.getContext("2d");
    if (!g) return;
    const w = canvas.width;
    const h = canvas.height;
    g.clearRect(0, 0, w, h);
    g.fillStyle = "#0e1013";
    g.fillRect(0, 0, w, h);
    if (!this.duration) return;
    const x = (t) => (t / this.duration) * w;
    const region = this.drag && this.drag.to !== null
      ? { start: Math.min(this.drag.from, this.drag.to), end: Math.max(this.drag.from, this.drag.to) }
      : this.loop;
    if (region) {
      g.fillStyle = "rgba(86, 180, 233, 0.22)";
      g.fillRect(x(region.start), 0, Math.max(1, x(region.end) - x(region.start)), h);
    }
    if (this.peaks) this._drawPeaks(g, w, h);
    else this._drawTimeBar(g, w, h, x);
    g.fillStyle = "#f0e442";
    g.fillRect(Math.min(w - 2, Math.round(x(this.position))), 0, 2, h);
  }

  _drawPeaks(g, w, h) {
    const bins = this.peaks.length / 2;
    const mid = h / 2;
    g.fillStyle = this.colour;
    for (let px = 0; px < w; px += 1) {
      const b0 = Math.floor((px / w) * bins);
      const b1 = Math.max(b0 + 1, Math.floor(((px + 1) / w) * bins));
      let lo = 0;
      let hi = 0;
      for (let b = b0; b < b1 && b < bins; b += 1) {
        lo = Math.min(lo, this.peaks[b * 2]);
        hi = Math.max(hi, this.peaks[b * 2 + 1]);
      }
      const top = mid - hi * mid;
      g.fillRect(px, top, 1, Math.max(1, (hi - lo) * mid));
    }
  }

  _drawTimeBar(g, w, h, x) {
    const mid = Math.round(h / 2);
    const ratio = window.devicePixelRatio || 1;
    g.fillStyle = "#6b717b";
    g.fillRect(0, mid - ratio, w, 2 * ratio);
    const step = this.duration > 120 ? 10 : 1;
    for (let t = step; t < this.duration; t += step) {
      const tall = Math.round(t / step) % 5 === 0;
      const half = (tall ? 0.22 : 0.1) * h;
      g.fillRect(Math.round(x(t)), mid - half, ratio, 2 * half);
    }
  }

  dispose() {
    this.resizer.disconnect();
  }
}
