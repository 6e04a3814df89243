// Fetching and decoding the A/B player's chains: lossless files only, progress reported, and a
// page-wide budget for decoded audio.
//
// Budget: decoded audio costs 4 bytes × channels × samples per chain (Float32 AudioBuffers).
// Every player on a page draws from one budget of DECODE_BUDGET_BYTES (512 MiB: four chains of
// a 10-minute stereo take at 48 kHz fit; a phone tab survives it). A player whose chains would
// not fit decodes nothing more, releases what it decoded, and falls back to streaming the
// montage through an <audio> element, saying so on screen.

//
// Lossless: a URL whose path ends in .wav or .flac is taken at its word; one with another
// extension (.mp3, .m4a, …) is refused before any download; one with no extension at all (the
// opaque handles of a blind test) must answer with a lossless Content-Type.

export const DECODE_BUDGET_BYTES = 512 * 1024 * 1024;
const LOSSLESS = /\.(wav|flac)$/i;
const ANY_EXTENSION = /\.[a-z0-9]{1,5}$/i;
const LOSSLESS_TYPES = new Set(["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac"]);
let decodedBytes = 0; // across every player of this page

export class OverBudget extends Error {
  constructor(needed, budget) {
    super(`needs ${mib(needed)} of decoded audio; the budget is ${mib(budget)}`);
    this.needed = needed;
    this.budget = budget;
  }
}

export function mib(bytes) {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

/** true: a .wav/.flac path; false: another extension; null: no extension (the type decides). */
export function isLossless(src) {
  const path = new URL(src, location.href).pathname;
  if (LOSSLESS.test(path)) return true;
  return ANY_EXTENSION.test(path.slice(path.lastIndexOf("/") + 1)) ? false : null;
}

function losslessType(response) {
  const type = (response.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
  return LOSSLESS_TYPES.has(type);
}

/** What the chains would cost decoded, judged from their file sizes (before any download). */
export function estimateBytes(chains) {
  // 24-bit WAV grows by 4/3 as Float32; FLAC of guitar audio is about half of its WAV.
  return chains.reduce((sum, c) => sum + (c.bytes || 0) * (/\.flac/i.test(c.src) ? 8 / 3 : 4 / 3), 0);
}

export function bufferBytes(buffer) {
  return 4 * buffer.numberOfChannels * buffer.length;
}

/** Give decoded bytes back to the page budget (a player was emptied or removed). */
export function releaseBytes(bytes) {
  decodedBytes = Math.max(0, decodedBytes - bytes);
}

async function download(chain, onProgress, signal) {
  const src = chain.src;
  const response = await fetch(src, { credentials: "same-origin", signal });
  if (!response.ok) throw new Error(`could not fetch ${chain.name} (HTTP ${response.status})`);
  if (isLossless(src) === null && !losslessType(response)) {
    throw new Error(`${chain.name}: the player takes lossless WAV or FLAC only (MP3 and AAC shift samples)`);
  }
  const total = Number(response.headers.get("content-length")) || 0;
  if (!response.body || !total) return response.arrayBuffer();
  const reader = response.body.getReader();
  const whole = new Uint8Array(total);
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > whole.length) throw new Error(`${chain.name} is longer than announced`);
    whole.set(value, received);
    received += value.length;
    onProgress(received / total);
  }
  return whole.buffer.slice(0, received);
}

/**
 * Decode every chain in order. `onProgress(done, total, fraction)` is called as bytes arrive.
 * `known` (Map src → AudioBuffer) holds buffers decoded before at this context's rate: those
 * chains are not fetched again (an ABX trial changes X only; blind rounds share takes).
 * Throws OverBudget before the page's budget would be exceeded (nothing stays reserved).
 */
export async function decodeChains(context, chains, { budget, onProgress, signal, known = new Map() }) {
  for (const chain of chains) {
    if (isLossless(chain.src) === false) {
      throw new Error(`${chain.name}: the player takes lossless WAV or FLAC only (MP3 and AAC shift samples)`);
    }
  }
  const estimate = estimateBytes(chains);
  if (decodedBytes + estimate > budget) throw new OverBudget(estimate, budget);
  const buffers = [];
  let reserved = 0;
  try {
    for (const [i, chain] of chains.entries()) {
      let buffer = known.get(chain.src);
      if (!buffer || buffer.sampleRate !== context.sampleRate) {
        const bytes = await download(chain, (f) => onProgress(i, chains.length, f), signal);
        buffer = await context.decodeAudioData(bytes);
      }
      const each = bufferBytes(buffer);
      // Chains of one DI have one length: the first decode tells what all of them cost.
      const needed = i === 0 ? each * chains.length : each;
      if (decodedBytes + (i === 0 ? needed : 0) > budget) throw new OverBudget(needed, budget);
      if (i === 0) {
        decodedBytes += needed;
        reserved = needed;
      }
      buffers.push(buffer);
      onProgress(i + 1, chains.length, 0);
    }
  } catch (error) {
    releaseBytes(reserved);
    throw error;
  }
  return { buffers, bytes: reserved };
}
