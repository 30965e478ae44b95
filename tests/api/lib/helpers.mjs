// Helpers shared by the API suites: problem+json checks, the demo sign-ins
// and requests made with their session, the audit chain's entry count, and
// raw node:http requests. Servers come from ./server.mjs.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { cli, startServer } from './server.mjs';

// The password of every demo sign-in created by `tinhso demo`.
export const DEMO_PW = 'TinhSo@2025demo';
export const PROBLEM = /^application\/problem\+json/;

// r (from server.json) is a problem+json answer with this status and, when
// field is given, names that field in errors[].
export function assertProblem(r, status, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
  assert.match(r.headers.get('content-type') || '', PROBLEM);
  if (field) {
    const fields = (r.body.errors || []).map((e) => e.field);
    assert.ok(fields.includes(field), `errors[] names ${field}: ${JSON.stringify(r.body.errors)}`);
  }
}

// Sign in on server s; the answer plus the Set-Cookie header, the session
// cookie's name (__Host-tinhso_session over TLS) and value (null when
// refused) and the CSRF token.
export async function login(s, username, password = DEMO_PW) {
  const r = await s.json('/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const sc = r.headers.get('set-cookie') || '';
  const m = /((?:__Host-)?tinhso_session)=([^;]*)/.exec(sc);
  return { ...r, setCookie: sc, cookieName: m ? m[1] : null, cookie: m ? m[2] : null, csrf: r.body?.csrf_token };
}

// login, which must succeed.
export async function signedIn(s, username, password = DEMO_PW) {
  const r = await login(s, username, password);
  assert.equal(r.status, 200, `login ${username}: ${JSON.stringify(r.body)}`);
  return r;
}

// The first sign-in of an account an administrator made: its password is
// temporary (decisions §29), so the session changes it to newPw first; the
// same session, now unrestricted, is returned.
export async function firstSignIn(s, username, tempPw, newPw = `${tempPw} (của tôi)`) {
  const r = await signedIn(s, username, tempPw);
  assert.equal(r.body.restricted, 'password_change');
  const ch = await as(s, r, '/api/v1/me/password', 'POST', { old_password: tempPw, new_password: newPw });
  assert.equal(ch.status, 204, JSON.stringify(ch.body));
  return r;
}

// A request with the session sess (from login): its cookie, and its CSRF
// token on writes unless extra names one. body: an object sent as JSON, or
// a string sent as it is (JSON Content-Type unless extra names one).
export function as(s, sess, path, method = 'GET', body, extra = {}) {
  const headers = { Cookie: `${sess.cookieName || 'tinhso_session'}=${sess.cookie}`, ...extra };
  if (body !== undefined && !('Content-Type' in extra)) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && sess.csrf && !('X-CSRF-Token' in extra)) headers['X-CSRF-Token'] = sess.csrf;
  return s.json(path, { method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
}

// Entries in the audit chain of the database at url, which must verify —
// not counting the aggregated security events (platform/secev), which the
// server writes on its own after each minute with denials in it.
export function auditCount(url) {
  const r = cli(['audit', 'verify', '--db', url]);
  assert.equal(r.status, 0, `audit verify failed: ${r.stdout}${r.stderr}`);
  const m = r.stdout.match(/(\d+) entries verified(?: \((\d+) of them security events\))?/);
  assert.ok(m, `audit verify output: ${r.stdout}`);
  return Number(m[1]) - Number(m[2] ?? 0);
}

// A raw request through node:http to 127.0.0.1:port (no normalisation of the
// path, no decompression). body: bytes to send; or write(req): send them
// yourself (and end the request). Resolves {status, headers, body: Buffer},
// or {status: 0, error, headers: {}, body: empty} when there is no answer.
export function rawRequest(port, { method = 'GET', path, headers = {}, body, write, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (error) =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), error }));
      });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, error, headers: {}, body: Buffer.alloc(0) }));
    if (write) write(req); else req.end(body);
  });
}

// One server for a whole test file (opts as startServer's): started before
// its tests, stopped after them. fx.srv is the server, fx.audit0 the number
// of audit entries it started with.
export function serverForFile(opts) {
  const fx = {};
  before(async () => {
    fx.srv = await startServer(opts);
    fx.audit0 = auditCount(fx.srv.db.url);
  });
  after(async () => { if (fx.srv) await fx.srv.close(); });
  return fx;
}
