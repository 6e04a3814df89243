// /s/{token}/blind: the blind preference test. This listener's session (letters in an order
// shuffled for them, rounds of two takes, opaque audio handles) comes from the listening API;
// one <ab-player blind> plays each round. Nothing here asks for anything that names a chain:
// the names arrive with the reveal, in the answer to the last vote.

import { api, describeError } from "./api.js";
import "./ab-player.js";
import { h } from "./dom.js";

const root = document.getElementById("blind-page");
const token = root.dataset.token;
const $ = (id) => document.getElementById(id);
const status = $("blind-status");
let session = null;
let player = null;
let current = null; // the round on screen

function diName(s, round) {
  return typeof round.di === "number" ? s.dis[round.di] : round.di;
}

function ensurePlayer() {
  if (player) return player;
  player = document.createElement("ab-player");
  player.setAttribute("blind", "");
  player.setAttribute("label", "Blind player");
  $("blind-player-slot").append(player);
  return player;
}

function showRound(s, round) {
  const section = $("blind-round");
  section.hidden = false;
  const number = s.rounds.indexOf(round) + 1;
  $("round-heading").textContent = `Round ${number} of ${s.total}`;
  $("blind-progress").value = s.total ? s.voted / s.total : 0;
  $("blind-progress").textContent = `${s.voted} of ${s.total}`;
  $("round-di").textContent = `DI: ${diName(s, round)}. Take ${round.left.letter} and take ${round.right.letter}.`;
  const left = $("vote-left");
  const right = $("vote-right");
  left.textContent = `I prefer ${round.left.letter}`;
  right.textContent = `I prefer ${round.right.letter}`;
  left.disabled = !s.voting_open;
  right.disabled = !s.voting_open;
  if (current === null || current.index !== round.index) {
    const p = ensurePlayer();
    p.pause();
    p.chains = [
      { name: round.left.letter, src: round.left.audio_url },
      { name: round.right.letter, src: round.right.audio_url },
    ];
  }
  current = round;
  status.textContent = s.voting_open
    ? `${s.voted} of ${s.total} rounds voted.`
    : "Voting is closed for this share: you can listen, but no more votes are taken.";
}

function revealView(s) {
  const names = s.reveal.letters;
  const letters = h("ul", { class: "reveal-letters" },
    Object.entries(names).map(([letter, name]) => h("li", {}, h("strong", {}, letter), ` was ${name}`)));
  const tally = new Map(Object.values(names).map((name) => [name, 0]));
  for (const vote of s.reveal.your_votes) tally.set(vote.winner, (tally.get(vote.winner) || 0) + 1);
  const rows = s.reveal.your_votes.map((vote) => h("tr", {},
    h("th", { scope: "row" }, String(vote.round + 1)),
    h("td", {}, typeof vote.di === "number" ? s.dis[vote.di] : vote.di),
    h("td", {}, vote.winner),
    h("td", {}, vote.loser)));
  const table = h("table", { class: "reveal-votes" },
    h("caption", {}, "Your votes"),
    h("thead", {}, h("tr", {}, ["Round", "DI", "You preferred", "Over"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows));
  const ranking = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  return [
    letters,
    h("p", {}, `Rounds you gave each chain: ${ranking.map(([name, n]) => `${name} ${n}`).join(", ")}.`),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Your votes" }, table),
    h("p", { class: "muted" }, "Your votes count towards this shootout's results, pooled with every other listener's."),
  ];
}

function showReveal(s) {
  if (player) player.pause();
  $("blind-round").hidden = true;
  const section = $("blind-reveal");
  section.hidden = false;
  $("reveal-body").replaceChildren(...revealView(s));
  status.textContent = `All ${s.total} rounds voted.`;
  $("reveal-heading").focus();
}

function show(s) {
  session = s;
  if (s.complete && s.reveal) {
    showReveal(s);
    return;
  }
  const next = s.rounds.find((r) => r.choice === null || r.choice === undefined);
  if (next) showRound(s, next);
}

async function vote(side) {
  if (!current || !session) return;
  const letter = current[side].letter;
  const error = $("vote-error");
  error.textContent = "";
  $("vote-left").disabled = true;
  $("vote-right").disabled = true;
  try {
    show(await api("POST", `/api/v1/listening/${session.id}/votes`, { round: current.index, choice: letter }));
  } catch (err) {
    if (err.status === 409 && err.error === "already_voted") {
      show(await api("GET", `/api/v1/listening/${session.id}`));
      return;
    }
    if (err.status === 409 && err.error === "voting_closed") session.voting_open = false;
    error.textContent = err.status === 429
      ? "That was quick: too many votes in a minute. Wait a moment and vote again."
      : `Your vote was not counted: ${describeError(err)}`;
    showRound(session, current);
  }
}

async function start() {
  $("vote-left").addEventListener("click", () => vote("left"));
  $("vote-right").addEventListener("click", () => vote("right"));
  try {
    show(await api("POST", `/api/v1/shared/${encodeURIComponent(token)}/blind`));
  } catch (err) {
    status.textContent = err.status === 404
      ? "This link no longer works: it was revoked or has expired."
      : `The blind test could not start: ${describeError(err)}`;
    status.classList.add("bad");
  }
}

start();
