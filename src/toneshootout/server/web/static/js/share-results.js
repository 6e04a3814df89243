// /shares/{id}/results (owner): the blind votes per pair with their sign-test p-values, the
// Bradley–Terry strengths with 95 % confidence intervals as an SVG forest plot (overall and per
// DI), the ABX runs, the listeners and their seeds, and the voting open/close toggle. Read from
// GET /api/v1/shares/{id}/results.

import { api, describeError } from "./api.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"];
const root = document.getElementById("results-page");
const shareId = root.dataset.shareId;
const body = document.getElementById("results-body");
const status = document.getElementById("results-status");
let plotCount = 0;
let plots = []; // {figure, strengths, caption, width}: redrawn when the page's width changes

function pText(p) {
  if (p === null || p === undefined) return "–";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function num(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "unbounded";
  const text = Math.abs(value).toFixed(digits);
  // Signed by what is shown: −0.001 reads "0.00", not "−0.00".
  if (Number(text) === 0) return text;
  return value < 0 ? `−${text}` : `+${text}`;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child);
  return node;
}

function niceStep(span) {
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

/**
 * A forest plot of Bradley–Terry strengths: one row per chain (strongest first), the estimate
 * as a dot and its 95 % CI as a line; an unbounded end is drawn as an arrow to the plot's edge.
 * 0 is the average chain. Drawn with SVG presentation attributes only (page CSP: no styles).
 */
export function forestPlot(strengths, caption, width = 640) {
  plotCount += 1;
  const rows = [...strengths].sort((a, b) => b.strength - a.strength);
  // Drawn at the width it is shown at (text stays readable on a phone); names get a third.
  const left = Math.round(Math.min(170, width * 0.33));
  const maxName = Math.max(8, Math.floor(left / 7.5));
  const right = 24;
  const top = 12;
  const rowHeight = 30;
  const axisHeight = 44;
  const height = top + rows.length * rowHeight + axisHeight;
  const finite = rows.flatMap((r) => [r.strength, r.ci_low, r.ci_high]).filter((v) => v !== null && Number.isFinite(v));
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const titleId = `forest-title-${plotCount}`;
  const descId = `forest-desc-${plotCount}`;
  const describe = rows.map((r) => `${r.chain} ${num(r.strength)} (95 % CI ${num(r.ci_low)} to ${num(r.ci_high)})`).join("; ");
  const plot = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "forest", role: "img",
    "aria-labelledby": titleId, "aria-describedby": descId,
  }, svg("title", { id: titleId }), svg("desc", { id: descId }));
  plot.querySelector("title").textContent = caption;
  plot.querySelector("desc").textContent = describe;
  const axisY = top + rows.length * rowHeight + 6;
  const step = niceStep(hi - lo);
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
    const value = Math.abs(t) < 1e-9 ? 0 : t;
    plot.append(
      svg("line", { x1: x(value), x2: x(value), y1: top, y2: axisY, stroke: value === 0 ? "#a9aeb6" : "#3a3f48", "stroke-width": 1, "stroke-dasharray": value === 0 ? "4 3" : "" }),
      svg("text", { x: x(value), y: axisY + 16, "text-anchor": "middle", fill: "#a9aeb6", "font-size": 12 }),
    );
    plot.lastChild.textContent = num(value, 1);
  }
  const label = svg("text", { x: (left + width - right) / 2, y: axisY + 34, "text-anchor": "middle", fill: "#a9aeb6", "font-size": 12 });
  label.textContent = width < 480
    ? "Strength, 95 % CI (0 = average chain)"
    : "Strength (log-odds against the average chain, 0) with 95 % CI";
  plot.append(label);
  rows.forEach((r, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const colour = COLOURS[strengths.indexOf(r) % COLOURS.length];
    const name = svg("text", { x: left - 10, y: y + 4, "text-anchor": "end", fill: "#e8e8e8", "font-size": 13 });
    name.textContent = r.chain.length > maxName ? `${r.chain.slice(0, maxName - 1)}…` : r.chain;
    const lowOpen = r.ci_low === null || !Number.isFinite(r.ci_low);
    const highOpen = r.ci_high === null || !Number.isFinite(r.ci_high);
    const x0 = lowOpen ? left : x(r.ci_low);
    const x1 = highOpen ? width - right : x(r.ci_high);
    plot.append(name, svg("line", { x1: x0, x2: x1, y1: y, y2: y, stroke: colour, "stroke-width": 3 }));
    for (const [open, at, dir] of [[lowOpen, x0, -1], [highOpen, x1, 1]]) {
      plot.append(open
        ? svg("path", { d: `M ${at} ${y} l ${-dir * 8} -5 v 10 z`, fill: colour })
        : svg("line", { x1: at, x2: at, y1: y - 6, y2: y + 6, stroke: colour, "stroke-width": 2 }));
    }
    plot.append(svg("circle", { cx: x(r.strength), cy: y, r: 6, fill: colour, stroke: "#121417", "stroke-width": 2 }));
  });
  return plot;
}

/** The forest plot's drawing width: the page's content width, at most 768 px. */
function plotWidth() {
  return Math.max(300, Math.min(768, Math.round(body.clientWidth || 640)));
}

function pairsTable(pairs, caption) {
  const rows = pairs.map((p) => h("tr", {},
    h("th", { scope: "row" }, `${p.a} vs ${p.b}`),
    h("td", {}, String(p.wins_a)),
    h("td", {}, String(p.wins_b)),
    h("td", {}, String(p.n)),
    h("td", {}, pText(p.p_value))));
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { class: "pairs-table" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ["Pair", "Wins of the first", "Wins of the second", "Votes", "p (two-sided sign test)"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
}

function strengthsTable(strengths, caption) {
  const rows = [...strengths].sort((a, b) => b.strength - a.strength).map((s) => h("tr", {},
    h("th", { scope: "row" }, s.chain),
    h("td", {}, num(s.strength)),
    h("td", {}, `${num(s.ci_low)} to ${num(s.ci_high)}`),
    h("td", {}, `${Math.round(s.win_probability * 100)} %`)));
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { class: "strengths-table" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ["Chain", "Strength", "95 % CI", "Preferred over an average chain"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
}

function groupSection(group, title, headingId) {
  const section = h("section", { class: "results-group", "aria-labelledby": headingId }, h("h3", { id: headingId }, title));
  const votes = group.pairs.reduce((sum, p) => sum + p.n, 0);
  if (!votes) {
    section.append(h("p", { class: "muted" }, "No votes yet."));
    return section;
  }
  section.append(pairsTable(group.pairs, `Votes per pair: ${title}`));
  if (group.bradley_terry) {
    const caption = `Bradley–Terry strengths: ${title}`;
    const width = plotWidth();
    const figure = h("figure", { class: "forest-figure" },
      forestPlot(group.bradley_terry, caption, width),
      h("figcaption", { class: "muted" }, "Each dot is a chain's estimated strength; the line is its 95 % confidence interval. Intervals that overlap a lot mean the listeners could not reliably rank those chains."));
    plots.push({ figure, strengths: group.bradley_terry, caption, width });
    section.append(figure, strengthsTable(group.bradley_terry, caption));
  } else {
    section.append(h("p", { class: "muted" }, "With two chains the sign test above says it all; strengths are shown for three or more."));
  }
  return section;
}

function abxSection(abx) {
  const section = h("section", { "aria-labelledby": "abx-heading" }, h("h2", { id: "abx-heading" }, "ABX tests"));
  if (!abx.length) {
    section.append(h("p", { class: "muted" }, "Nobody has taken an ABX test yet."));
    return section;
  }
  const rows = abx.map((g) => h("tr", {},
    h("th", { scope: "row" }, `${g.a} vs ${g.b}`),
    h("td", {}, g.di),
    h("td", {}, `${g.completed} of ${g.runs}`),
    h("td", {}, g.trials ? `${g.correct} of ${g.trials}` : "–"),
    h("td", {}, g.trials ? pText(g.p_value) : "–")));
  section.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "ABX runs" },
    h("table", {},
      h("caption", {}, "ABX runs (finished runs pooled; stopped runs count for nothing)"),
      h("thead", {}, h("tr", {}, ["Pair", "DI", "Finished runs", "Correct", "p (one-sided)"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))));
  return section;
}

function sessionsSection(sessions) {
  const section = h("section", { "aria-labelledby": "sessions-heading" }, h("h2", { id: "sessions-heading" }, "Listeners"));
  if (!sessions.length) {
    section.append(h("p", { class: "muted" }, "No blind listener yet."));
    return section;
  }
  const rows = sessions.map((s) => h("tr", {},
    h("th", { scope: "row" }, s.listener),
    h("td", {}, String(s.seed)),
    h("td", {}, new Date(s.created_at).toISOString().slice(0, 16).replace("T", " ")),
    h("td", {}, String(s.votes))));
  section.append(
    h("p", { class: "muted" }, "Each listener's letters and round order follow from their seed, so any order can be reproduced."),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Listeners and seeds" },
      h("table", {},
        h("caption", {}, "Listeners and their seeds"),
        h("thead", {}, h("tr", {}, ["Listener", "Seed", "Started (UTC)", "Votes"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows))));
  return section;
}

function votingControl(results) {
  const state = h("span", { class: "voting-state" }, results.voting_open ? "Voting is open." : "Voting is closed.");
  const button = h("button", { type: "button", id: "voting-toggle" }, results.voting_open ? "Close voting" : "Open voting");
  const error = h("p", { class: "form-error", role: "alert" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("PATCH", `/api/v1/shares/${shareId}`, { voting_open: !results.voting_open });
      await load();
      document.getElementById("voting-toggle").focus();
    } catch (err) {
      error.textContent = describeError(err);
      button.disabled = false;
    }
  });
  return h("div", { class: "card results-summary" },
    h("p", {}, `${results.listeners} blind listener${results.listeners === 1 ? "" : "s"}, ${results.votes} vote${results.votes === 1 ? "" : "s"}, over ${results.chains.length} chains × ${results.dis.length} DI${results.dis.length === 1 ? "" : "s"}.`),
    h("div", { class: "row" }, state, button),
    error);
}

/** JSON.parse that keeps every "seed" as its digits: seeds are 63-bit, past a double's 2^53. */
export function parseKeepingSeeds(text) {
  return JSON.parse(text.replace(/("seed"\s*:\s*)(-?\d+)/g, '$1"$2"'));
}

async function load() {
  const results = await api("GET", `/api/v1/shares/${shareId}/results`, undefined, { parse: parseKeepingSeeds });
  plotCount = 0;
  plots = [];
  const blind = h("section", { "aria-labelledby": "blind-heading" },
    h("h2", { id: "blind-heading" }, "Blind preference"),
    groupSection(results.overall, "All DIs", "group-overall"),
    ...(results.dis.length > 1 ? results.per_di.map((g, i) => groupSection(g, g.di, `group-di-${i}`)) : []));
  body.replaceChildren(votingControl(results), blind, abxSection(results.abx), sessionsSection(results.sessions));
}

/** Text in the plots stays readable: redraw them at the new width (a phone turned, a window resized). */
function redraw() {
  const width = plotWidth();
  for (const plot of plots) {
    if (Math.abs(plot.width - width) < 40) continue;
    plot.width = width;
    plot.figure.querySelector("svg").replaceWith(forestPlot(plot.strengths, plot.caption, width));
  }
}

let pending = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(redraw);
}).observe(body);

load()
  .then(() => { status.textContent = ""; })
  .catch((err) => {
    status.textContent = `The results could not be loaded: ${describeError(err)}`;
    status.classList.add("bad");
  });
