// The "Video" section of a render's results (issue 11): per DI, the MP4 the engine made of the
// montage (each chain's name on screen, chapters, end credits) in a <video> with its poster, a
// download link, and its description for YouTube to read and copy. Used by the owner's render
// page and the shared page, over the URLs their API gives (`videos`: [{di, video_url,
// poster_url, description_url}]); never by the blind or ABX pages (the video names the chains)
// nor the embed (the players alone).

import { refreshSession } from "./api.js";
import { h } from "./dom.js";

const SIZES = { "1920x1080": [1920, 1080], "1280x720": [1280, 720], "1080x1080": [1080, 1080] };

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/** A text file's content; the session is refreshed once if it expired meanwhile. */
async function fetchText(url) {
  let response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401 && (await refreshSession())) response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`the description could not be loaded (${response.status})`);
  return response.text();
}

/** Copy the field's text: the clipboard API where allowed, else the selected text. */
async function copyField(field, status) {
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.focus();
    field.select();
    if (!document.execCommand("copy")) {
      status.textContent = "Select the text and copy it yourself (Ctrl+C or ⌘C).";
      return;
    }
  }
  status.textContent = "Copied.";
}

/** The description for YouTube, loaded the first time it is opened, with a Copy button. */
function descriptionBlock(video, label) {
  const field = h("textarea", { readonly: true, rows: 12, class: "copy-field video-description-text", "aria-label": label });
  const status = h("span", { class: "status", role: "status" });
  const button = h("button", { type: "button", class: "small", disabled: true, onclick: () => copyField(field, status) }, "Copy the description");
  const details = h("details", { class: "video-description" },
    h("summary", {}, "Description for YouTube"),
    h("p", { class: "muted" }, "Chapters for each chain's turn, the level-matching rule and the credits: paste it under the video."),
    field,
    h("div", { class: "row" }, button, status));
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    status.textContent = "Loading…";
    try {
      field.value = await fetchText(video.description_url);
      button.disabled = false;
      status.textContent = "";
    } catch (error) {
      loaded = false;
      status.className = "status bad";
      status.textContent = `Not loaded: ${error.message}. Close and open it to try again.`;
    }
  });
  return details;
}

/** One DI's video: the player, its downloads and its description. */
export function videoCard(video, { size = null, bytes = null, heading = null, headingLevel = "h4" } = {}) {
  const [width, height] = SIZES[size] || SIZES["1920x1080"];
  const player = h("video", {
    controls: true, preload: "metadata", playsinline: true, src: video.video_url,
    poster: video.poster_url || false, width: String(width), height: String(height),
    "aria-label": `Video: ${video.di}`,
  });
  player.classList.toggle("square", width === height);
  // One sound at a time: the page's players stop each other (see montage-player.js).
  player.addEventListener("play", () => document.dispatchEvent(new CustomEvent("exclusiveplay", { detail: player })));
  document.addEventListener("exclusiveplay", (event) => { if (event.detail !== player && !player.paused) player.pause(); });
  const links = h("ul", { class: "video-links" },
    h("li", {}, h("a", { href: video.video_url, download: "" }, `Download the video (MP4${bytes ? `, ${megabytes(bytes)}` : ""})`)),
    video.poster_url ? h("li", {}, h("a", { href: video.poster_url, download: "" }, "Poster (PNG)")) : null);
  return h("div", { class: "video-card", dataset: { di: video.di } },
    heading ? h(headingLevel, {}, heading) : null,
    player,
    links,
    video.description_url ? descriptionBlock(video, `Description for YouTube: ${video.di}`) : null);
}

/** The section: one card per DI that has a video, in the view's DI order; null without any. */
export function videoSection(view, { headingLevel = "h3" } = {}) {
  const videos = view.videos || [];
  if (!videos.length) return null;
  const section = h("section", { class: "videos", "aria-labelledby": "video-heading" },
    h(headingLevel, { id: "video-heading" }, videos.length > 1 ? "Videos" : "Video"),
    h("p", { class: "muted" }, "The montage with each chain's name on screen, ready to upload."));
  const order = (di) => { const i = (view.dis || []).indexOf(di); return i < 0 ? Infinity : i; };
  const sorted = [...videos].sort((a, b) => order(a.di) - order(b.di));
  for (const video of sorted) {
    const file = view.outputs?.find ? view.outputs.find("video", video.di)[0] : null;
    section.append(videoCard(video, {
      size: (view.settings || {}).video_size,
      bytes: file ? file.size_bytes : null,
      heading: (view.dis || []).length > 1 ? video.di : null,
    }));
  }
  return section;
}
