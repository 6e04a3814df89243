// The one way pages talk to the JSON API: same-origin fetch with the session cookies and the
// CSRF header (double submit: the readable ts_csrf cookie echoed in X-CSRF-Token).
//
//   import { api, ApiError } from "/static/js/api.js";
//   const shootout = await api("GET", `/api/v1/shootouts/${id}`);
//
// Errors throw ApiError {status, error, detail}; for a 422 "invalid" answer `detail` is a list
// of {path, message} with paths dotted and any leading "body." removed, so a page can put each
// message at the field the path names. An expired access token is refreshed once, silently.

export const CSRF_COOKIE = "ts_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(status, error, detail, body = null) {
    super(typeof detail === "string" ? detail : `${error} (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.error = error;
    this.detail = detail;
    this.body = body;
  }

  /** The problems of a 422 answer as [{path, message}], else []. */
  get problems() {
    return Array.isArray(this.detail) ? this.detail : [];
  }
}

export function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function csrfHeaders(method) {
  const token = readCookie(CSRF_COOKIE);
  return SAFE.has(method.toUpperCase()) || !token ? {} : { [CSRF_HEADER]: token };
}

function normalisePath(path) {
  return String(path).replace(/^body\./, "").replace(/^body$/, "");
}

/** Turn a non-2xx response body into an ApiError. */
export function errorFrom(status, body) {
  const error = (body && body.error) || "error";
  let detail = body && "detail" in body ? body.detail : `request failed (${status})`;
  if (Array.isArray(detail)) {
    detail = detail.map((p) => ({ path: normalisePath(p.path ?? ""), message: p.message ?? String(p) }));
  }
  return new ApiError(status, error, detail, body);
}

let refreshing = null;

/** Exchange the refresh cookie for fresh session cookies; true when that worked. */
export async function refreshSession() {
  if (!readCookie(CSRF_COOKIE)) return false;
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: csrfHeaders("POST"),
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

async function send(method, path, body) {
  const headers = { Accept: "application/json", ...csrfHeaders(method) };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

async function parse(response, parseJson = JSON.parse) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return parseJson(text);
  } catch {
    return { error: "bad_response", detail: text.slice(0, 200) };
  }
}

/**
 * Call the API; resolves to the parsed JSON body (null for 204), throws ApiError otherwise.
 * `options.parse` replaces JSON.parse for a successful body (e.g. to keep 64-bit integers exact).
 */
export async function api(method, path, body, options = {}) {
  method = method.toUpperCase();
  let response = await send(method, path, body);
  const isAuthCall = path.startsWith("/api/v1/auth/");
  if (response.status === 401 && !isAuthCall && (await refreshSession())) {
    response = await send(method, path, body);
  }
  const parsed = await parse(response, response.ok ? options.parse : undefined);
  if (!response.ok) throw errorFrom(response.status, parsed);
  return parsed;
}

/** A message fit to show a person, for any error api() may throw. */
export function describeError(err) {
  if (err instanceof ApiError) {
    if (Array.isArray(err.detail)) return err.detail.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
    return err.detail || err.error;
  }
  return "The server could not be reached. Check your connection and try again.";
}
