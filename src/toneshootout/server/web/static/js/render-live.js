// Live render progress over the WebSocket (docs/SERVICE.md "Live progress"): a single-use
// ticket first, then subscribe; on any close, a new ticket and a new socket after a backoff.
// The snapshot sent on every (re)subscribe is the truth, so nothing lost in between matters.

import { api } from "./api.js";

const PING_MS = 25_000; // the server closes sockets silent for its idle timeout
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

export class LiveRender {
  /**
   * @param {string} renderId
   * @param {{onSnapshot(status), onEvent(event), onStatus(text)}} handlers
   */
  constructor(renderId, handlers) {
    this.renderId = renderId;
    this.handlers = handlers;
    this.socket = null;
    this.attempt = 0;
    this.timer = 0;
    this.ping = 0;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this._connect();
    return this;
  }

  /** Close for good (the render finished, or the page is going away). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
  }

  async _connect() {
    let ticket;
    try {
      ({ ticket } = await api("POST", "/api/v1/ws/tickets"));
    } catch {
      this._retry();
      return;
    }
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      socket.send(JSON.stringify({ type: "subscribe", render_id: this.renderId }));
      this.ping = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), PING_MS);
      this.handlers.onStatus("Live updates on.");
    });
    socket.addEventListener("message", (message) => this._message(message.data));
    socket.addEventListener("close", () => {
      clearInterval(this.ping);
      if (this.socket === socket) this.socket = null;
      if (!this.stopped) this._retry();
    });
  }

  _retry() {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.handlers.onStatus(`Live updates interrupted; trying again in ${Math.round(delay / 1000)} s.`);
    this.timer = setTimeout(() => this._connect(), delay);
  }

  _message(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === "snapshot") {
      const status = (message.renders || []).find((r) => r.render_id === this.renderId);
      if (status) this.handlers.onSnapshot(status);
    } else if (message.type === "event" && message.event && message.event.render_id === this.renderId) {
      this.handlers.onEvent(message.event);
    }
  }
}
