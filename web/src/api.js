// api.js — calls to the tinhso API: same-origin cookies, Accept-Language from the
// current language, X-CSRF-Token on writes, RFC 9457 problems turned into ApiError.
import { lang } from './i18n.js';

let csrf = null;
let onUnauthenticated = null;

export const csrfToken = () => csrf;

export function setCsrf(token) {
  csrf = token || null;
}
export function setOnUnauthenticated(f) {
  onUnauthenticated = f;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.type = problem?.type || null;
    this.title = problem?.title || null;
    this.detail = problem?.detail || null;
    this.requestId = problem?.request_id || null;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.network = status === 0;
  }
  // { field: message } for the form fields
  fieldErrors() {
    const out = {};
    for (const e of this.errors) if (e && e.field && !(e.field in out)) out[e.field] = e.message;
    return out;
  }
}

// opts: quiet401 (no sign-out on 401), headers (more request headers: Idempotency-Key),
// cache (fetch's cache mode: 'no-cache' revalidates what the server let be cached)
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': lang(), ...(opts.headers || {}) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: opts.cache,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  const text = await r.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!r.ok) {
    if (r.status === 401 && !opts.quiet401 && onUnauthenticated) onUnauthenticated();
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);

export const del = (path, opts) => api('DELETE', path, undefined, opts);

// POST a file as the body itself (POST /api/v1/templates?filename=...): the
// server reads what it is from its content; the type the browser guessed
// goes along so that a file that lies is refused.
export async function upload(path, file) {
  const headers = { Accept: 'application/json', 'Accept-Language': lang(), 'Content-Type': file.type || 'application/octet-stream' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: file });
  } catch {
    throw new ApiError(0, null);
  }
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}


// query string from an object, skipping empty values
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? '?' + s : '';
}
