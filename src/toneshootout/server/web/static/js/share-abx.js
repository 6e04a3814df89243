// /s/{token}/abx: pick a DI, two chains, a trial count (fixed up front) and feedback; then per
// trial play A, B and X on one playhead (one <ab-player blind> with three takes: the server
// issues X's handle only for the trial it belongs to) and answer "X is A" or "X is B". The score
// and p-value come from the server at the end; a run stopped early has none.

import { api, describeError } from "./api.js";
import "./ab-player.js";
import { h } from "./dom.js";

const root = document.getElementById("abx-page");
const token = root.dataset.token;
const $ = (id) => document.getElementById(id);
const MIN_TRIALS = 8;
const MAX_TRIALS = 64;
let run = null;
let player = null;

/** A p-value as people read it: four decimals, or "< 0.0001". */
export function pText(p) {
  return p < 0.0001 ? "p < 0.0001" : `p = ${p.toFixed(4)}`;
}

function setFieldError(id, message) {
  const input = $(id);
  const error = $(`${id}-error`) || $("abx-setup-error");
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  error.textContent = message || "";
}

function readSetup() {
  const trials = Number($("abx-trials").value);
  const body = {
    di: Number($("abx-di").value),
    a: Number($("abx-a").value),
    b: Number($("abx-b").value),
    trials,
    feedback: $("abx-feedback").checked,
  };
  let ok = true;
  setFieldError("abx-trials", "");
  $("abx-setup-error").textContent = "";
  $("abx-b").removeAttribute("aria-invalid");
  if (!Number.isInteger(trials) || trials < MIN_TRIALS || trials > MAX_TRIALS) {
    setFieldError("abx-trials", `A whole number from ${MIN_TRIALS} to ${MAX_TRIALS}.`);
    ok = false;
  }
  if (body.a === body.b) {
    $("abx-b").setAttribute("aria-invalid", "true");
    $("abx-setup-error").textContent = "Pick two different chains: a chain cannot be told apart from itself.";
    ok = false;
  }
  return ok ? body : null;
}

async function begin(event) {
  event.preventDefault();
  const body = readSetup();
  if (!body) return;
  const button = $("abx-start");
  button.disabled = true;
  try {
    run = await api("POST", `/api/v1/shared/${encodeURIComponent(token)}/abx`, body);
    $("abx-setup").hidden = true;
    $("abx-result").hidden = true;
    show(run);
  } catch (err) {
    const trialsProblem = (err.problems || []).find((p) => p.path === "trials");
    if (trialsProblem) setFieldError("abx-trials", trialsProblem.message);
    else $("abx-setup-error").textContent = err.status === 429
      ? "Too many answers in a minute: wait a moment and start again."
      : `The test could not start: ${describeError(err)}`;
  } finally {
    button.disabled = false;
  }
}

function ensurePlayer() {
  if (player) return player;
  player = document.createElement("ab-player");
  player.setAttribute("blind", "");
  player.setAttribute("label", "ABX player");
  $("abx-player-slot").append(player);
  return player;
}

/** Load this trial's takes, keeping the playhead and loop where the listener left them. */
async function loadTrial(r) {
  const p = ensurePlayer();
  const at = p.currentTime;
  const loop = p.loop;
  const wasPlaying = !p.paused;
  p.pause();
  p.chains = [
    { name: `A: ${r.a.name}`, src: r.a.audio_url },
    { name: `B: ${r.b.name}`, src: r.b.audio_url },
    { name: "X", src: r.trial.x_url },
  ];
  await p.ready;
  if (loop) p.loop = loop;
  if (at) p.seek(at);
  if (wasPlaying) p.play();
}

function show(r) {
  run = r;
  if (r.complete) {
    finish(r);
    return;
  }
  $("abx-run").hidden = false;
  $("trial-heading").textContent = `Trial ${r.answered + 1} of ${r.trials}`;
  $("abx-progress").value = r.answered / r.trials;
  $("abx-progress").textContent = `${r.answered} of ${r.trials}`;
  $("abx-pair").textContent = `${r.di}: A is ${r.a.name}, B is ${r.b.name}. X is one of them. Keys 1, 2, 3 play A, B, X.`;
  const line = $("abx-feedback-line");
  line.classList.remove("ok", "bad");
  if (r.feedback && r.last) {
    line.textContent = `Trial ${r.last.trial + 1}: ${r.last.correct ? "right" : "wrong"}.`;
    line.classList.add(r.last.correct ? "ok" : "bad");
  } else {
    line.textContent = r.answered ? `${r.answered} answered.` : "";
  }
  $("answer-a").disabled = false;
  $("answer-b").disabled = false;
  loadTrial(r);
}

async function answer(letter) {
  if (!run || !run.trial) return;
  const error = $("abx-error");
  error.textContent = "";
  $("answer-a").disabled = true;
  $("answer-b").disabled = true;
  try {
    show(await api("POST", `/api/v1/listening/${run.id}/answers`, { trial: run.trial.index, answer: letter }));
  } catch (err) {
    if (err.status === 409) {
      show(await api("GET", `/api/v1/listening/${run.id}`)); // the server knows where we are
      return;
    }
    error.textContent = err.status === 429
      ? "Too many answers in a minute: wait a moment and answer again."
      : `Your answer was not taken: ${describeError(err)}`;
    $("answer-a").disabled = false;
    $("answer-b").disabled = false;
  }
}

function answersTable(r) {
  const rows = (r.answers || []).map((a) => h("tr", {},
    h("th", { scope: "row" }, String(a.trial + 1)),
    h("td", {}, `X is ${a.answer}`),
    h("td", {}, a.x),
    h("td", { class: a.correct ? "ok" : "bad" }, a.correct ? "right" : "wrong")));
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Your answers" },
    h("table", { class: "abx-answers" },
      h("caption", {}, "Your answers"),
      h("thead", {}, h("tr", {}, ["Trial", "You said", "X was", ""].map((t, i) => h("th", { scope: "col" }, t || (i === 3 ? "Result" : ""))))),
      h("tbody", {}, rows)));
}

function finish(r) {
  if (player) player.pause();
  $("abx-run").hidden = true;
  const result = r.result;
  $("abx-result-body").replaceChildren(
    h("p", { class: "abx-score" }, `${result.correct} of ${result.trials} correct`),
    h("p", { class: "abx-words" }, result.words),
    h("p", { class: "abx-p muted" }, `${pText(result.p_value)} (one-sided binomial: the chance of doing at least this well by guessing)`),
    h("p", { class: "muted" }, `${r.di}: A was ${r.a.name}, B was ${r.b.name}.`),
    answersTable(r),
  );
  $("abx-result").hidden = false;
  $("result-heading").focus();
}

function stop() {
  if (!run) return;
  if (player) player.pause();
  const answered = run.answered;
  $("abx-run").hidden = true;
  $("abx-result-body").replaceChildren(
    h("p", { class: "abx-score" }, `You stopped after ${answered} of ${run.trials} trials.`),
    h("p", {}, "No score for a test stopped early: the number of trials was fixed before you started, and stopping when it happens to go well would make luck look like hearing. Start a new test to get one."),
  );
  run = null;
  $("abx-result").hidden = false;
  $("result-heading").focus();
}

function again() {
  run = null;
  $("abx-result").hidden = true;
  $("abx-setup").hidden = false;
  $("abx-di").focus();
}

$("abx-setup").addEventListener("submit", begin);
$("answer-a").addEventListener("click", () => answer("A"));
$("answer-b").addEventListener("click", () => answer("B"));
$("abx-stop").addEventListener("click", stop);
$("abx-again").addEventListener("click", again);
$("abx-start").disabled = false; // the script has taken over the form
