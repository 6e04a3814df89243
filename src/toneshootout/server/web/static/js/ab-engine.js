// The A/B player's Web Audio engine: N decoded chains on one playhead.
//
// Every chain plays all the time, each through its own GainNode; only the active one is
// audible. All sources are started by one call at one AudioContext time with one offset, so
// they stay sample-locked for as long as they play (the engine aligned the renders; nothing
// here may shift them). A switch is an equal-power gain ramp of RAMP_SECONDS between the
// nodes: the playhead never moves and there is no click. A seek or a loop change stops every
// source and starts a fresh set, again all at one time and one offset.

export const RAMP_SECONDS = 0.008; // 8 ms: inside WEB.md's 5-10 ms, long enough not to click
const CURVE_POINTS = 64;
// Sources are scheduled this far ahead so every start lands on the same render quantum.
const LEAD_SECONDS = 0.03;
const SEEK_FADE_SECONDS = 0.004; // a seek jumps in the waveform: fade out and in around it

const contexts = new Map();

/** One AudioContext per sample rate, shared by every player on the page. */
export function sharedContext(sampleRate) {
  const key = sampleRate || 0;
  if (!contexts.has(key)) {
    const options = sampleRate ? { sampleRate, latencyHint: "interactive" } : { latencyHint: "interactive" };
    contexts.set(key, new AudioContext(options));
  }
  return contexts.get(key);
}

/** An equal-power curve for one gain: from its current value to 0 (out) or 1 (in). */
export function equalPowerCurve(from, rising) {
  const curve = new Float32Array(CURVE_POINTS);
  const clamped = Math.min(1, Math.max(0, from));
  // θ runs to π/2; the gain is sin θ when rising, cos θ when falling, starting where it is.
  const start = rising ? Math.asin(clamped) : Math.acos(clamped);
  for (let j = 0; j < CURVE_POINTS; j += 1) {
    const theta = start + ((Math.PI / 2 - start) * j) / (CURVE_POINTS - 1);
    curve[j] = rising ? Math.sin(theta) : Math.cos(theta);
  }
  curve[CURVE_POINTS - 1] = rising ? 1 : 0;
  return curve;
}

export class AbEngine {
  constructor(context, buffers, active = 0) {
    this.ctx = context;
    this.buffers = buffers;
    this.active = active;
    this.master = context.createGain();
    this.master.connect(context.destination);
    this.gains = buffers.map((_, i) => {
      const gain = context.createGain();
      gain.gain.value = i === active ? 1 : 0;
      gain.connect(this.master);
      return gain;
    });
    this.sources = [];
    this.offset = 0;
    this.startedAt = 0;
    this.loop = null;
    this.lastSwitch = null;
    this.onended = null;
  }

  get duration() {
    return Math.min(...this.buffers.map((b) => b.duration));
  }

  get playing() {
    return this.sources.length > 0;
  }

  /** The playhead in seconds of the chains' audio. */
  position(at = this.ctx.currentTime) {
    if (!this.playing) return this.offset;
    const t = this.offset + Math.max(0, at - this.startedAt);
    const loop = this.loop;
    if (loop && t >= loop.end) {
      return loop.start + ((t - loop.start) % (loop.end - loop.start));
    }
    return Math.min(t, this.duration);
  }

  _stopSources(at) {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop(at);
      } catch {
        // already stopped
      }
    }
    this.sources = [];
  }

  _startSources(offset, at) {
    const loop = this.loop;
    this.sources = this.buffers.map((buffer, i) => {
      const source = this.ctx.createBufferSource();
      source.buffer = buffer;
      if (loop) {
        source.loop = true;
        source.loopStart = loop.start;
        source.loopEnd = loop.end;
      }
      source.connect(this.gains[i]);
      return source;
    });
    // One loop, one time, one offset for every chain: the shared playhead.
    for (const source of this.sources) source.start(at, offset);
    this.sources[0].onended = () => this._ended();
    this.offset = offset;
    this.startedAt = at;
  }

  _ended() {
    this.sources = [];
    this.offset = 0;
    if (this.onended) this.onended();
  }

  _clampOffset(offset) {
    const loop = this.loop;
    if (loop && (offset < loop.start || offset >= loop.end)) return loop.start;
    return Math.min(Math.max(0, offset), Math.max(0, this.duration - 0.001));
  }

  play() {
    if (this.playing) return;
    const at = this.ctx.currentTime + LEAD_SECONDS;
    this.master.gain.cancelScheduledValues(0);
    this.master.gain.setValueAtTime(1, at);
    this._startSources(this._clampOffset(this.offset), at);
  }

  pause() {
    if (!this.playing) return;
    const at = this.ctx.currentTime;
    this.offset = this.position(at);
    this._stopSources(at);
  }

  /** Move the playhead; playing sources are replaced by a fresh set at the new offset. */
  seek(seconds) {
    const target = this._clampOffset(seconds);
    if (!this.playing) {
      this.offset = target;
      return;
    }
    const now = this.ctx.currentTime;
    const at = now + LEAD_SECONDS;
    const gain = this.master.gain;
    gain.cancelScheduledValues(0);
    gain.setValueAtTime(1, now);
    gain.linearRampToValueAtTime(0, at);
    gain.linearRampToValueAtTime(1, at + SEEK_FADE_SECONDS);
    this._stopSources(at);
    this._startSources(target, at);
  }

  /** Loop region {start, end} in seconds, or null; applies to every chain at once. */
  setLoop(loop) {
    const playing = this.playing;
    const here = this.position();
    this.loop = loop;
    if (playing) {
      this.seek(loop && (here < loop.start || here >= loop.end) ? loop.start : here);
    } else {
      this.offset = this._clampOffset(this.offset);
    }
  }

  /** Make chain `index` the audible one; returns the switch record. */
  select(index, requestedAt = performance.now()) {
    const previous = this.active;
    this.active = index;
    const t0 = this.ctx.currentTime; // the next render quantum
    const rampStartAt = performance.now();
    const ramping = this.playing && this.ctx.state === "running";
    this.gains.forEach((node, i) => {
      const target = i === index ? 1 : 0;
      const from = node.gain.value; // the value of the last rendered quantum
      node.gain.cancelScheduledValues(0);
      if (!ramping || Math.abs(from - target) < 1e-6) {
        node.gain.setValueAtTime(target, t0);
        return;
      }
      node.gain.setValueCurveAtTime(equalPowerCurve(from, target === 1), t0, RAMP_SECONDS);
    });
    let outputAt = null;
    if (typeof this.ctx.getOutputTimestamp === "function") {
      const stamp = this.ctx.getOutputTimestamp();
      if (stamp.performanceTime) outputAt = stamp.performanceTime + (t0 - stamp.contextTime) * 1000;
    }
    this.lastSwitch = {
      from: previous,
      to: index,
      requestedAt,
      rampStartAt,
      contextTime: t0,
      rampSeconds: ramping ? RAMP_SECONDS : 0,
      outputAt,
    };
    return this.lastSwitch;
  }

  dispose() {
    this._stopSources(this.ctx.currentTime);
    for (const node of this.gains) node.disconnect();
    this.master.disconnect();
  }
}
