// Fetching and decoding the A/B player's chains: lossless files only, progress reported, and a
// page-wide budget for decoded audio.
//
// Budget: decoded audio costs 4 bytes × channels × samples per chain (Float32 AudioBuffers).
// Every player on a page draws from one budget of DECODE_BUDGET_BYTES (512 MiB: four chains of
// a 10-minute stereo take at 48 kHz fit; a phone tab survives it). A player whose chains would
// not fit decodes nothing more, releases what it decoded, and falls back to streaming the
// montage through an <audio> element, saying so on screen.

export const DECODE_BUDGET_BYTES = 512 * 1024 * 1024;
const LOSSLESS = /\.(wav|flac)(\?|#|$)/i;
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

export function isLossless(src) {
  return LOSSLESS.test(new URL(src, location.href).pathname);
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

async function download(src, onProgress, signal) {
  const response = await fetch(src, { credentials: "same-origin", signal });
  if (!response.ok) throw new Error(`could not fetch ${src} (HTTP ${response.status})`);
  const total = Number(response.headers.get("content-length")) || 0;
  if (!response.body || !total) return response.arrayBuffer();
  const reader = response.body.getReader();
  const whole = new Uint8Array(total);
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > whole.length) throw new Error(`${src} is longer than announced`);
    whole.set(value, received);
    received += value.length;
    onProgress(received / total);
  }
  return whole.buffer.slice(0, received);
}

/**
 * Decode every chain in order. `onProgress(done, total, fraction)` is called as bytes arrive.
 * Throws OverBudget before the page's budget would be exceeded (nothing stays reserved).
 */
export async function decodeChains(context, chains, { budget, onProgress, signal }) {
  for (const chain of chains) {
    if (!isLossless(chain.src)) {
      throw new Error(`${chain.name}: the player takes lossless WAV or FLAC only (MP3 and AAC shift samples)`);
    }
  }
  const estimate = estimateBytes(chains);
  if (decodedBytes + estimate > budget) throw new OverBudget(estimate, budget);
  const buffers = [];
  let reserved = 0;
  try {
    for (const [i, chain] of chains.entries()) {
      const bytes = await download(chain.src, (f) => onProgress(i, chains.length, f), signal);
      const buffer = await context.decodeAudioData(bytes);
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
