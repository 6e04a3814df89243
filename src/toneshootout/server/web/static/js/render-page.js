// /renders/{id}: live progress per DI × chain with ETA and cancel, then the results.
// The server painted the state from the database; this script re-reads it from the API,
// follows the live socket, and builds the results once the render has succeeded.

import { api, describeError } from "./api.js";
import { LiveRender } from "./render-live.js";
import { showResults } from "./render-results.js";
import { ShareManager } from "./share-manage.js";

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
// The engine's steps after a DI's chains are rendered (engine/tracker.py POST_STEPS), and done.
const POST_STEPS = new Set(["audio", "montage", "metrics", "plots", "video", "done"]);
// What a running render says it is doing after its DI × chain renders, by step.
const POST_STEP_WORDS = { video: (di) => `Making the video of ${di}.` };


const root = document.getElementById("render-page");
const renderId = root.dataset.renderId;
const plan = JSON.parse(root.dataset.plan);
const words = JSON.parse(root.dataset.words);
const $ = (id) => document.getElementById(id);
let current = { state: null, progress: 0 }; // the server's paint is redone from the API
let live = null;
let resultsShown = false;

function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  if (seconds < 1) return "almost done";
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** How far along the DI × chain grid the render is: cells before `index` are done. */
function gridPosition(status) {
  const chains = plan.chains.length;
  if (status.state === "succeeded") return { index: plan.dis.length * chains, active: false };
  const di = plan.dis.indexOf(status.di);
  if (di < 0 || !status.step || status.step === "load" || status.step === "align") {
    return { index: 0, active: false };
  }
  if (POST_STEPS.has(status.step) || !status.chain) return { index: (di + 1) * chains, active: false };
  return { index: di * chains + Math.max(0, plan.chains.indexOf(status.chain)), active: true };
}

function paintGrid(status) {
  const { index, active } = gridPosition(status);
  const running = status.state === "running" || status.state === "queued";
  document.querySelectorAll("#render-pairs td.pair").forEach((cell, k) => {
    let text = "waiting";
    if (k < index) text = "done";
    else if (k === index && active) text = running ? "rendering…" : "stopped";
    else if (!running && status.state !== "succeeded") text = "not rendered";
    cell.textContent = text;
    cell.className = `pair pair-${text.replace(/[^a-z]/g, "")}`;
  });
}

function paint(status) {
  const state = status.state;
  const progress = Math.max(0, Math.min(1, Number(status.progress) || 0));
  let text = words.states[state] || state;
  const early = words.steps[status.step || "starting"]; // before any DI × chain
  if (state === "running" && early) {
    text = early;
  } else if (state === "running" && status.di) {
    const post = POST_STEP_WORDS[status.step];
    if (status.chain) text = `Rendering ${status.di} through ${status.chain}.`;
    else text = post ? post(status.di) : `Writing the results of ${status.di}.`;
  }
  if (state === "running" && status.cancel_requested) text = "Cancelling…";
  $("render-state").textContent = text;
  $("render-state").className = `render-state state-${state}`;
  $("render-bar").value = progress;
  $("render-bar").textContent = `${Math.round(progress * 100)} %`;
  $("render-percent").textContent = `${Math.round(progress * 100)} %`;
  $("render-eta").textContent = state === "running" ? duration(status.eta_seconds) : "";
  const reason = state === "failed"
    ? `${words.reasons[status.reason] || "It failed."}${status.detail ? ` (${status.detail})` : ""}`
    : "";
  $("render-reason").textContent = reason;
  $("render-cancel").hidden = TERMINAL.has(state);
  paintGrid(status);
  root.dataset.state = state;
}

/** Merge a status from the API, a snapshot or an event; never step back within one state. */
function apply(update) {
  if (TERMINAL.has(current.state)) return; // nothing comes after the end
  const next = { ...current, ...update };
  if (update.current) {
    next.di = update.current.di;
    next.chain = update.current.chain;
  }
  if (next.state === current.state && next.progress < current.progress) next.progress = current.progress;
  current = next;
  paint(current);
  if (TERMINAL.has(current.state)) finish();
}

async function finish() {
  if (live) live.stop();
  $("render-live").textContent = "";
  if (current.state !== "succeeded" || resultsShown) return;
  resultsShown = true;
  try {
    const render = await api("GET", `/api/v1/renders/${renderId}`);
    await showResults(render, $("results"), $("results-body"), $("results-status"));
  } catch (error) {
    $("results").hidden = false;
    $("results-status").textContent = `The results could not be loaded: ${describeError(error)}`;
    $("results-status").classList.add("bad");
  }
  // Only a succeeded render can be shared (the API answers 409 otherwise).
  await new ShareManager(renderId, root.dataset.title).start();
}

async function cancel() {
  const button = $("render-cancel");
  button.disabled = true;
  try {
    const render = await api("POST", `/api/v1/renders/${renderId}/cancel`);
    apply(render);
  } catch (error) {
    if (error.status === 409) {
      apply(await api("GET", `/api/v1/renders/${renderId}`));
    } else {
      $("render-reason").textContent = `Could not cancel: ${describeError(error)}`;
    }
  } finally {
    button.disabled = false;
  }
}

async function start() {
  $("render-cancel").addEventListener("click", cancel);
  try {
    apply(await api("GET", `/api/v1/renders/${renderId}`));
  } catch (error) {
    $("render-live").textContent = `Could not read the render: ${describeError(error)}`;
  }
  if (TERMINAL.has(current.state)) return;
  live = new LiveRender(renderId, {
    onSnapshot: (status) => apply(status),
    onEvent: (event) => apply(event),
    onStatus: (text) => { $("render-live").textContent = text; },
  }).start();
  root.live = live; // for tests and the console: the socket client of this page
}

window.addEventListener("pagehide", () => { if (live) live.stop(); });
start();
