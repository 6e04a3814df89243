// The results of a succeeded render: per DI an <ab-player> and the montage, the level
// decisions in words, metrics, null tests, plots and downloads. Everything is read from the
// render API (outputs with download URLs, the manifest and the metrics JSON).
//
// The sections work on a "results view", the shape the shared-render API returns
// (GET /api/v1/shared/{token}), so the shared page and the embed build the same sections from
// share-scoped URLs: {dis: [names], chains: [names], settings, levels, common_reduction_db,
// timeline, alignment: [{chain, latency_samples, polarity, ambiguous}], warnings,
// outputs (indexOutputs), residuals: [{di, chains: [a, b], path}], videos: [{di, video_url,
// poster_url, description_url}]}. `viewOfManifest` makes one from the owner's manifest.

import { api } from "./api.js";
import "./ab-player.js";
import { el, signed } from "./ab-view.js";
import "./montage-player.js";
import { creditsSection } from "./render-credits.js";
import { metricsSection, nullTestSection, plotsSection } from "./render-metrics.js";
import { videoSection } from "./render-video.js";

const AUDIO_PREFERENCE = [".wav", ".flac"]; // lossless only: never MP3 to the player

const ext = (path) => path.slice(path.lastIndexOf(".")).toLowerCase();

/** The render's outputs indexed for lookups by role, DI and chain. */
export function indexOutputs(outputs) {
  const find = (role, di = undefined, chain = undefined) =>
    outputs.filter((o) => o.role === role && (di === undefined || o.di === di) && (chain === undefined || o.chain === chain));
  const lossless = (list) => {
    for (const suffix of AUDIO_PREFERENCE) {
      const hit = list.find((o) => ext(o.path) === suffix);
      if (hit) return hit;
    }
    return null;
  };
  return { all: outputs, find, lossless };
}

/** The results view of a render from its manifest and its outputs (see the header). */
export function viewOfManifest(manifest, outputs, videos = []) {
  return {
    videos,
    title: manifest.title,
    dis: manifest.inputs.di.map((d) => d.name),
    chains: (manifest.inputs.chains || []).map((c) => c.name),
    settings: manifest.settings || {},
    levels: manifest.levels || [],
    common_reduction_db: manifest.common_reduction_db || {},
    timeline: manifest.timeline || {},
    alignment: (manifest.inputs.chains || []).map((c) => ({ chain: c.name, ...(c.alignment || {}) })),
    warnings: manifest.warnings || [],
    outputs,
    residuals: (manifest.outputs || []).filter((o) => o.role === "null_residual"),
  };
}

/** The results view of a shared render (GET /api/v1/shared/{token}). */
export function viewOfShared(shared) {
  return {
    ...shared,
    chains: (shared.chains || []).map((c) => c.name),
    chainBlocks: shared.chains || [],
    outputs: indexOutputs(shared.outputs || []),
    residuals: [],
    residualsWithheld: true,
  };
}

function levelOf(view, di, chain) {
  return (view.levels || []).find((l) => l.di === di && l.chain === chain) || {};
}

/** The A/B player's chains for one DI: the lossless chain renders, in chain order. */
export function playerSources(view, di) {
  const sources = [];
  for (const name of view.chains) {
    const file = view.outputs.lossless(view.outputs.find("chain_render", di, name));
    if (!file) continue;
    const level = levelOf(view, di, name);
    sources.push({
      name,
      src: file.url,
      bytes: file.size_bytes,
      loudnessBefore: level.loudness_before_lufs,
      loudnessAfter: level.loudness_after_lufs,
      gainDb: level.gain_db,
    });
  }
  return sources;
}

/** One DI's <ab-player> (and, unless `withMontage` is false, its <montage-player>). */
export function playerSection(di, index, view, { withMontage = true, headingLevel = "h3" } = {}) {
  const headingId = `di-${index}-heading`;
  const section = el("section", { class: "di-results", "aria-labelledby": headingId },
    el(headingLevel, { id: headingId, text: di }));
  const montageFile = view.outputs.lossless(view.outputs.find("montage", di));
  const montage = montageFile ? { src: montageFile.url, timeline: (view.timeline || {})[di] || [] } : null;
  const player = document.createElement("ab-player");
  player.setAttribute("label", `A/B player: ${di}`);
  player.sampleRate = (view.settings || {}).render_rate || null;
  player.montage = montage;
  section.append(player);
  player.chains = playerSources(view, di);
  if (montage && withMontage) {
    const montagePlayer = document.createElement("montage-player");
    montagePlayer.setAttribute("label", `Montage: ${di}`);
    section.append(el("h4", { text: "Montage: the same passage through each chain in turn" }), montagePlayer);
    montagePlayer.timeline = montage.timeline;
    montagePlayer.src = montage.src;
  }
  return section;
}

/** The level decisions for one DI, in words (a results view, or the manifest: same keys). */
export function decisionsInWords(view, di) {
  const settings = view.settings || {};
  const target = settings.loudness_target_lufs;
  const ceiling = settings.true_peak_ceiling_dbtp;
  const reduction = (view.common_reduction_db || {})[di] || 0;
  const levels = (view.levels || []).filter((l) => l.di === di);
  const lines = [];
  if (levels.length) {
    lines.push(`The DI fed every chain at the same level (input gain ${signed(levels[0].input_gain_db)} dB).`);
  }
  lines.push(`Each chain was brought to ${signed(target)} LUFS with one static gain: no limiter, no compression.`);
  if (reduction > 0.005) {
    lines.push(`All chains were then lowered ${reduction.toFixed(1)} dB to keep every true peak under ${signed(ceiling)} dBTP, so they play at ${signed(target - reduction)} LUFS.`);
  } else {
    lines.push(`No true peak went over ${signed(ceiling)} dBTP, so no chain needed lowering.`);
  }
  for (const l of levels) {
    lines.push(`${l.chain}: ${signed(l.loudness_before_lufs)} LUFS as rendered, gain ${signed(l.gain_db)} dB, ${signed(l.loudness_after_lufs)} LUFS after, true peak ${signed(l.true_peak_dbtp)} dBTP.`);
  }
  return lines;
}

/** How the engine lined the chains up (once per render: alignment is per chain). */
export function alignmentInWords(view) {
  const lines = [];
  for (const a of view.alignment || []) {
    const chain = { name: a.chain };
    const inverted = a.polarity === -1;
    const shifts = [];
    if (a.latency_samples) shifts.push(`${a.latency_samples} samples late`);
    if (inverted) shifts.push("in inverted polarity");
    if (shifts.length) {
      lines.push(`${chain.name} came out ${shifts.join(" and ")}; it was shifted${inverted ? " and flipped" : ""} to line up with the DI.`);
    } else {
      lines.push(`${chain.name} came out on time and in polarity.`);
    }
    if (a.ambiguous) lines.push(`${chain.name}: its latency measurement was ambiguous.`);
  }
  return lines;
}

export function decisionsSection(view) {
  const section = el("section", { "aria-labelledby": "decisions-heading" }, el("h3", { id: "decisions-heading", text: "Level decisions" }));
  for (const di of view.dis) {
    if (view.dis.length > 1) section.append(el("h4", { text: di }));
    section.append(el("ul", { class: "decisions" }, ...decisionsInWords(view, di).map((t) => el("li", { text: t }))));
  }
  section.append(
    el("h4", { text: "Alignment" }),
    el("ul", { class: "decisions" }, ...alignmentInWords(view).map((t) => el("li", { text: t }))),
  );
  for (const warning of view.warnings || []) section.append(el("p", { class: "warning", text: warning }));
  return section;
}

/** "Listen": one player (and montage) per DI; `heading: false` leaves out the section's title. */
export function listenSection(view, { heading = true, ...options } = {}) {
  const listen = heading
    ? el("section", { "aria-labelledby": "listen-heading" }, el("h3", { id: "listen-heading", text: "Listen" }))
    : el("section", { "aria-label": "Listen" });
  view.dis.forEach((di, i) => listen.append(playerSection(di, i, view, options)));
  return listen;
}

function link(href, text) {
  return el("li", {}, el("a", { href, download: "", text }));
}

function downloadsSection(render, outputs, view) {
  const list = el("ul", { class: "downloads" });
  list.append(link(render.bundle_url, "Everything (ZIP bundle)"));
  if (render.metrics_csv_url) list.append(link(render.metrics_csv_url, "Metrics (CSV)"));
  for (const di of view.dis) {
    for (const file of outputs.find("chain_render", di)) {
      list.append(link(file.url, `${di} · ${file.chain} (${ext(file.path).slice(1).toUpperCase()})`));
    }
    for (const file of outputs.find("montage", di)) {
      list.append(link(file.url, `${di} · montage (${ext(file.path).slice(1).toUpperCase()})`));
    }
    for (const file of outputs.find("video", di)) list.append(link(file.url, `${di} · video (MP4)`));
  }
  const manifestFile = outputs.find("manifest")[0];
  if (manifestFile) list.append(link(manifestFile.url, "Manifest (JSON)"));
  return el("section", { "aria-labelledby": "downloads-heading" }, el("h3", { id: "downloads-heading", text: "Downloads" }), list);
}

export async function showResults(render, section, body, status) {
  section.hidden = false;
  status.textContent = "Loading the results…";
  const outputs = indexOutputs(render.outputs);
  const manifestFile = outputs.find("manifest")[0];
  const metricsFile = outputs.find("metrics").find((o) => ext(o.path) === ".json");
  const manifest = await api("GET", manifestFile.url);
  const metrics = metricsFile ? await api("GET", metricsFile.url) : { renders: [], null_tests: [] };
  const view = viewOfManifest(manifest, outputs, render.videos || []);
  body.replaceChildren(listenSection(view));
  const videos = videoSection(view);
  if (videos) body.append(videos);
  body.append(
    decisionsSection(view),
    metricsSection(metrics),
    nullTestSection(metrics, view),
    plotsSection(outputs, view.dis),
    downloadsSection(render, outputs, view),
  );
  if ((render.tone3000_credits || []).length) body.append(creditsSection({ tone3000: render.tone3000_credits }));
  status.textContent = "";
}
