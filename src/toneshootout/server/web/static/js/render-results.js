// The results of a succeeded render: per DI an <ab-player> and the montage, the level
// decisions in words, metrics, null tests, plots and downloads. Everything is read from the
// render API (outputs with download URLs, the manifest and the metrics JSON).

import { api } from "./api.js";
import "./ab-player.js";
import { el, signed } from "./ab-view.js";
import "./montage-player.js";
import { metricsSection, nullTestSection, plotsSection } from "./render-metrics.js";

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

function levelOf(manifest, di, chain) {
  return (manifest.levels || []).find((l) => l.di === di && l.chain === chain) || {};
}

function playerSection(di, index, outputs, manifest) {
  const chains = (manifest.inputs.chains || []).map((c) => c.name);
  const sources = [];
  for (const name of chains) {
    const file = outputs.lossless(outputs.find("chain_render", di, name));
    if (!file) continue;
    const level = levelOf(manifest, di, name);
    sources.push({
      name,
      src: file.url,
      bytes: file.size_bytes,
      loudnessBefore: level.loudness_before_lufs,
      loudnessAfter: level.loudness_after_lufs,
      gainDb: level.gain_db,
    });
  }
  const headingId = `di-${index}-heading`;
  const section = el("section", { class: "di-results", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: di }));
  const montageFile = outputs.lossless(outputs.find("montage", di));
  const montage = montageFile ? { src: montageFile.url, timeline: (manifest.timeline || {})[di] || [] } : null;
  const player = document.createElement("ab-player");
  player.setAttribute("label", `A/B player: ${di}`);
  player.sampleRate = (manifest.settings || {}).render_rate || null;
  player.montage = montage;
  section.append(player);
  player.chains = sources;
  if (montage) {
    const montagePlayer = document.createElement("montage-player");
    montagePlayer.setAttribute("label", `Montage: ${di}`);
    section.append(el("h4", { text: "Montage: the same passage through each chain in turn" }), montagePlayer);
    montagePlayer.timeline = montage.timeline;
    montagePlayer.src = montage.src;
  }
  return section;
}

/** The manifest's level decisions for one DI, in words. */
export function decisionsInWords(manifest, di) {
  const settings = manifest.settings || {};
  const target = settings.loudness_target_lufs;
  const ceiling = settings.true_peak_ceiling_dbtp;
  const reduction = (manifest.common_reduction_db || {})[di] || 0;
  const levels = (manifest.levels || []).filter((l) => l.di === di);
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
export function alignmentInWords(manifest) {
  const lines = [];
  for (const chain of manifest.inputs.chains || []) {
    const a = chain.alignment || {};
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

function decisionsSection(manifest) {
  const section = el("section", { "aria-labelledby": "decisions-heading" }, el("h3", { id: "decisions-heading", text: "Level decisions" }));
  for (const di of manifest.inputs.di.map((d) => d.name)) {
    if (manifest.inputs.di.length > 1) section.append(el("h4", { text: di }));
    section.append(el("ul", { class: "decisions" }, ...decisionsInWords(manifest, di).map((t) => el("li", { text: t }))));
  }
  section.append(
    el("h4", { text: "Alignment" }),
    el("ul", { class: "decisions" }, ...alignmentInWords(manifest).map((t) => el("li", { text: t }))),
  );
  for (const warning of manifest.warnings || []) section.append(el("p", { class: "warning", text: warning }));
  return section;
}

function link(href, text) {
  return el("li", {}, el("a", { href, download: "", text }));
}

function downloadsSection(render, outputs, manifest) {
  const list = el("ul", { class: "downloads" });
  list.append(link(render.bundle_url, "Everything (ZIP bundle)"));
  if (render.metrics_csv_url) list.append(link(render.metrics_csv_url, "Metrics (CSV)"));
  for (const di of manifest.inputs.di.map((d) => d.name)) {
    for (const file of outputs.find("chain_render", di)) {
      list.append(link(file.url, `${di} · ${file.chain} (${ext(file.path).slice(1).toUpperCase()})`));
    }
    for (const file of outputs.find("montage", di)) {
      list.append(link(file.url, `${di} · montage (${ext(file.path).slice(1).toUpperCase()})`));
    }
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
  const dis = manifest.inputs.di.map((d) => d.name);
  const listen = el("section", { "aria-labelledby": "listen-heading" }, el("h3", { id: "listen-heading", text: "Listen" }));
  body.replaceChildren(listen);
  dis.forEach((di, i) => listen.append(playerSection(di, i, outputs, manifest)));
  body.append(
    decisionsSection(manifest),
    metricsSection(metrics),
    nullTestSection(metrics, outputs, manifest),
    plotsSection(outputs, dis),
    downloadsSection(render, outputs, manifest),
  );
  status.textContent = "";
}
