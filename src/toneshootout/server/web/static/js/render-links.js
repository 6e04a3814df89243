// Links to renders (newest first) in words: "v3 · finished 2 min ago" → /renders/{id}.
import { h } from "./dom.js";

const STATES = {
  queued: "waiting to start",
  running: "rendering",
  succeeded: "finished",
  failed: "failed",
  cancelled: "cancelled",
};

export function renderLink(render) {
  const state = STATES[render.state] ?? render.state;
  return h("a", { href: `/renders/${render.id}`, class: `render-link state-${render.state}` }, `v${render.number} · ${state}`);
}

/** The caller's renders (one API page of the newest), grouped by shootout id. */
export async function rendersByShootout(api, shootoutId = null) {
  const query = shootoutId ? `&shootout_id=${encodeURIComponent(shootoutId)}` : "";
  const page = await api("GET", `/api/v1/renders?limit=100${query}`);
  const groups = new Map();
  for (const render of page.items) {
    if (!render.shootout_id) continue;
    if (!groups.has(render.shootout_id)) groups.set(render.shootout_id, []);
    groups.get(render.shootout_id).push(render);
  }
  return groups;
}
