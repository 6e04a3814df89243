// Results tables and pictures: the metrics table, the null test between any two chains (with
// the residual playable), and the plots.

import { el, signed } from "./ab-view.js";

const COLUMNS = [
  ["chain", "Chain", (v) => v],
  ["loudness_before_lufs", "Loudness before (LUFS)", (v) => signed(v)],
  ["gain_db", "Gain (dB)", (v) => signed(v)],
  ["loudness_after_lufs", "Loudness after (LUFS)", (v) => signed(v)],
  ["true_peak_dbtp", "True peak (dBTP)", (v) => signed(v)],
  ["lra_lu", "LRA (LU)", (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(1))],
  ["latency_samples", "Latency (samples)", (v) => String(v ?? "–")],
  ["polarity", "Polarity", (v) => (v === -1 ? "inverted" : v === 1 ? "normal" : "–")],
  ["spectral_centroid_hz", "Centroid (Hz)", (v) => (v === null || v === undefined ? "–" : Math.round(v).toString())],
  ["low_band_ratio", "Lows 20–250 Hz (dB)", band],
  ["mid_band_ratio", "Mids 250 Hz–2 kHz (dB)", band],
  ["high_band_ratio", "Highs 2–20 kHz (dB)", band],
];

/** A band's share of the energy as a level relative to the whole, in dB. */
function band(ratio) {
  if (ratio === null || ratio === undefined || !(ratio > 0)) return "–";
  return signed(10 * Math.log10(ratio));
}

function scrollable(label, child) {
  // Focusable so keyboard users can scroll it at phone width.
  return el("div", { class: "table-wrap", tabIndex: 0, role: "region", "aria-label": label }, child);
}

export function metricsSection(metrics) {
  const section = el("section", { "aria-labelledby": "metrics-heading" }, el("h3", { id: "metrics-heading", text: "Metrics" }));
  const byDi = new Map();
  for (const row of metrics.renders || []) {
    if (!byDi.has(row.di)) byDi.set(row.di, []);
    byDi.get(row.di).push(row);
  }
  for (const [di, rows] of byDi) {
    const head = el("tr", {}, ...COLUMNS.map(([, label]) => el("th", { scope: "col", text: label })));
    const body = rows.map((row) => el("tr", {}, ...COLUMNS.map(([key, , format], i) =>
      el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: format(row[key]) } : { text: format(row[key]) }))));
    const table = el("table", { class: "metrics" }, el("caption", { text: `Metrics of ${di}` }), el("thead", {}, head), el("tbody", {}, ...body));
    section.append(scrollable(`Metrics of ${di}`, table));
  }
  section.append(el("p", { class: "muted", text: "Band levels are each band's share of the energy, relative to the whole signal." }));
  return section;
}

function label(text, control) {
  const id = `${control.id}`;
  return el("div", { class: "field" }, el("label", { htmlFor: id, text }), control);
}

function select(id, options) {
  return el("select", { id }, ...options.map((o) => el("option", { value: o, text: o })));
}

function residualFile(view, di, a, b) {
  const listed = (view.residuals || []).find((o) => o.di === di &&
    Array.isArray(o.chains) && o.chains[0] === a && o.chains[1] === b);
  return listed ? view.outputs.all.find((o) => o.path === listed.path) || null : null;
}

/** The null test between any two chains of a results view (render-results.js). */
export function nullTestSection(metrics, view) {
  const section = el("section", { "aria-labelledby": "null-heading", class: "null-test" }, el("h3", { id: "null-heading", text: "Null test" }));
  const { chains, dis } = view;
  if (chains.length < 2) {
    section.append(el("p", { class: "muted", text: "A null test needs two chains." }));
    return section;
  }
  const diSelect = select("null-di", dis);
  const aSelect = select("null-a", chains);
  const bSelect = select("null-b", chains);
  bSelect.value = chains[1];
  const result = el("div", { id: "null-result", role: "status" });
  const update = () => {
    const [di, a, b] = [diSelect.value, aSelect.value, bSelect.value];
    if (a === b) {
      result.replaceChildren(el("p", { text: "Pick two different chains: a chain nulls perfectly against itself." }));
      return;
    }
    // The engine ran each pair once (in chain order); A − B and B − A differ only in which is
    // gain-matched to which, so either answers the question.
    const [first, second] = chains.indexOf(a) < chains.indexOf(b) ? [a, b] : [b, a];
    const test = (metrics.null_tests || []).find((t) => t.di === di && t.a === first && t.b === second);
    if (!test) {
      result.replaceChildren(el("p", { text: "This render has no null test for that pair." }));
      return;
    }
    const bands = (test.bands || []).map((bnd) => `${bnd.centre_hz >= 1000 ? `${bnd.centre_hz / 1000} kHz` : `${bnd.centre_hz} Hz`}: ${signed(bnd.residual_db)} dB`);
    const children = [
      el("p", { class: "null-figure", text: `${first} − ${second}: residual ${signed(test.residual_db)} dB after matching ${second} by ${signed(test.gain_db)} dB${test.gain < 0 ? " (inverted)" : ""}.` }),
      el("p", { class: "muted", text: "The lower the residual, the closer the two sound: around −40 dB and below is hard to tell apart." }),
      el("p", { class: "muted", text: `Per octave: ${bands.join(" · ")}` }),
    ];
    const file = residualFile(view, di, first, second);
    if (file) {
      children.push(el("audio", { controls: true, preload: "none", src: file.url, "aria-label": `Difference ${first} − ${second}` }));
    } else if (view.residualsWithheld) {
      children.push(el("p", { class: "muted", text: "The difference audio stays with the owner of this render; the figures above are what it measured." }));
    } else {
      children.push(el("p", { class: "muted", text: "The difference audio was not rendered (null tests were off in the render settings)." }));
    }
    result.replaceChildren(...children);
  };
  for (const control of [diSelect, aSelect, bSelect]) control.addEventListener("change", update);
  section.append(
    el("div", { class: "row null-controls" },
      label("DI", diSelect), label("Chain A", aSelect), label("Chain B", bSelect)),
    result,
  );
  update();
  return section;
}

const PLOT_WORDS = [
  [/^ltas/, "Long-term average spectrum of every chain"],
  [/^waveform/, "Waveforms of every chain"],
  [/^difference-/, "Spectrum difference against the first chain"],
  [/^spectrogram-/, "Spectrogram"],
];

function plotCaption(file, di) {
  const name = file.path.slice(file.path.lastIndexOf("/") + 1).replace(/\.[a-z]+$/, "");
  const words = (PLOT_WORDS.find(([pattern]) => pattern.test(name)) || [null, "Plot"])[1];
  return `${words}${file.chain ? `: ${file.chain}` : ""} (${di})`;
}

export function plotsSection(outputs, dis) {
  const section = el("section", { "aria-labelledby": "plots-heading" }, el("h3", { id: "plots-heading", text: "Plots" }));
  for (const di of dis) {
    const grid = el("div", { class: "plots" });
    for (const file of outputs.find("plot", di).filter((o) => o.path.endsWith(".png"))) {
      const caption = plotCaption(file, di);
      grid.append(el("figure", { class: "plot" },
        el("img", { src: file.url, alt: caption, width: 800, height: 450 }),
        el("figcaption", { text: caption })));
    }
    if (dis.length > 1) section.append(el("h4", { text: di }));
    section.append(grid);
  }
  return section;
}

