// A person's own sessions (ASVS 3.3.4), cookies over TLS and who may read
// /metrics (issue 8 items 10 and 14, docs/decisions.md §30).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { assertProblem, signedIn, as, DEMO_PW } from './lib/helpers.mjs';

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const STP = '000.00.03.H06';
const METRICS_TOKEN = 'metrics-9a8b7c6d5e4f3a2b1c0d';

let srv;     // plain HTTP, no proxies
let proxied; // behind a trusted proxy on 127.0.0.1, /metrics for 10.1.2.0/24 or a token
let dir;

before(async () => {
  srv = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'tinhso-sess-'));
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ trusted_proxies: ['127.0.0.1'], metrics_allow: ['10.1.2.0/24'], metrics_token: METRICS_TOKEN }));
  proxied = await startServer({ args: ['--config', cfg] });
});
after(async () => {
  await srv?.close();
  await proxied?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const signInWith = async (s, username, ua, extra = {}) => {
  const r = await s.json('/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': ua, ...extra },
    body: JSON.stringify({ username, password: DEMO_PW }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sc = r.headers.get('set-cookie') || '';
  const m = /((?:__Host-)?tinhso_session)=([^;]*)/.exec(sc);
  return { setCookie: sc, cookieName: m[1], cookie: m[2], csrf: r.body.csrf_token, headers: r.headers };
};

test('users see their own sessions: device, address, created and last use; nobody else\'s', async () => {
  const phone = await signInWith(srv, 'stp.canbo2', ANDROID);
  const pc = await signInWith(srv, 'stp.canbo2', WINDOWS);
  const r = await as(srv, pc, '/api/v1/me/sessions');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.items.length >= 2);
  const cur = r.body.items.find((x) => x.current);
  assert.deepEqual([cur.browser, cur.os], ['Firefox', 'Windows']);
  const other = r.body.items.find((x) => !x.current && x.os === 'Android');
  assert.equal(other.browser, 'Chrome');
  assert.equal(other.ip, '127.0.0.1');
  assert.equal(other.user_agent, ANDROID);
  for (const k of ['created_at', 'last_seen_at', 'expires_at']) assert.ok(!Number.isNaN(Date.parse(other[k])), k);
  assert.equal(r.body.items.filter((x) => x.current).length, 1);
  // another person neither sees nor ends them
  const someone = await signedIn(srv, 'stp.canbo1');
  const theirs = await as(srv, someone, '/api/v1/me/sessions');
  assert.ok(!theirs.body.items.some((x) => x.id === other.id));
  assertProblem(await as(srv, someone, `/api/v1/me/sessions/${other.id}`, 'DELETE'), 404);
  assert.equal((await as(srv, phone, '/api/v1/me')).status, 200, 'still signed in on the phone');
  // a write needs the CSRF token, as every cookie write
  assertProblem(await as(srv, pc, `/api/v1/me/sessions/${other.id}`, 'DELETE', undefined, { 'X-CSRF-Token': 'wrong' }), 403);
  // not a session: a token has none
  const stp = await signedIn(srv, 'stp.quantri');
  const tok = (await as(srv, stp, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['agency_admin'] })).body.token;
  assertProblem(await srv.json('/api/v1/me/sessions', { headers: { Authorization: `Bearer ${tok}` } }), 403);
  assertProblem(await srv.json('/api/v1/me/sessions'), 401);
});

test('ending one session, then all the others; ending the current one signs out', async () => {
  const a = await signInWith(srv, 'stp.lanhdao', ANDROID);
  const b = await signInWith(srv, 'stp.lanhdao', WINDOWS);
  const c = await signInWith(srv, 'stp.lanhdao', WINDOWS);
  const list = (await as(srv, c, '/api/v1/me/sessions')).body.items;
  const idOf = async (sess) => (await as(srv, sess, '/api/v1/me/sessions')).body.items.find((x) => x.current).id;
  const ida = await idOf(a);
  assert.ok(list.some((x) => x.id === ida));
  assert.equal((await as(srv, c, `/api/v1/me/sessions/${ida}`, 'DELETE')).status, 204);
  assertProblem(await as(srv, a, '/api/v1/me'), 401);
  assertProblem(await as(srv, c, `/api/v1/me/sessions/${ida}`, 'DELETE'), 404, undefined);
  assertProblem(await as(srv, c, '/api/v1/me/sessions/abc', 'DELETE'), 404);
  const d = await signInWith(srv, 'stp.lanhdao', ANDROID);
  const all = await as(srv, c, '/api/v1/me/sessions', 'DELETE');
  assert.equal(all.status, 200);
  assert.ok(all.body.ended >= 2);
  assertProblem(await as(srv, b, '/api/v1/me'), 401);
  assertProblem(await as(srv, d, '/api/v1/me'), 401);
  assert.equal((await as(srv, c, '/api/v1/me')).status, 200, 'the current session stays');
  const left = (await as(srv, c, '/api/v1/me/sessions')).body.items;
  assert.deepEqual(left.map((x) => x.current), [true]);
  // audited
  const root = await signedIn(srv, 'quantri');
  const audit = await as(srv, root, '/api/v1/audit?object_id=stp.lanhdao&limit=50');
  const actions = audit.body.items.map((e) => e.action);
  assert.ok(actions.includes('auth.session_end') && actions.includes('auth.sessions_end_others'), actions.join());
  // the current one: the cookie is cleared too
  const me = await idOf(c);
  const end = await as(srv, c, `/api/v1/me/sessions/${me}`, 'DELETE');
  assert.equal(end.status, 204);
  assert.match(end.headers.get('set-cookie') || '', /Max-Age=0/);
  assertProblem(await as(srv, c, '/api/v1/me'), 401);
});

test('cookies over plain HTTP: tinhso_session, not Secure, no HSTS; a forged X-Forwarded-Proto is not believed', async () => {
  const s = await signInWith(srv, 'stp.canbo1', WINDOWS, { 'X-Forwarded-Proto': 'https' });
  assert.equal(s.cookieName, 'tinhso_session');
  assert.doesNotMatch(s.setCookie, /Secure/);
  assert.equal(s.headers.get('strict-transport-security'), null);
});

test('over TLS (a trusted proxy says https): __Host- Secure cookie, HSTS, and the plain cookie name is refused', async () => {
  const https = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' };
  const s = await signInWith(proxied, 'stp.canbo1', WINDOWS, https);
  assert.equal(s.cookieName, '__Host-tinhso_session');
  assert.match(s.setCookie, /; Path=\/;/);
  assert.match(s.setCookie, /HttpOnly/);
  assert.match(s.setCookie, /; Secure/);
  assert.doesNotMatch(s.setCookie, /Domain=/i);
  assert.match(s.headers.get('strict-transport-security') || '', /^max-age=\d{8}/);
  assert.equal((await as(proxied, s, '/api/v1/me', 'GET', undefined, https)).status, 200);
  // the same value under the plain name (a cookie a sibling site could set) is not read over TLS
  assertProblem(await as(proxied, { ...s, cookieName: 'tinhso_session' }, '/api/v1/me', 'GET', undefined, https), 401);
  const sessions = await as(proxied, s, '/api/v1/me/sessions', 'GET', undefined, https);
  assert.equal(sessions.body.items.find((x) => x.current).ip, '203.0.113.9');
});

test('/metrics answers loopback and the configured addresses or token only', async () => {
  assert.equal((await srv.fetch('/metrics')).status, 200, 'loopback');
  // relayed by a proxy on this host that is not trusted: not a local client
  assert.equal((await srv.fetch('/metrics', { headers: { 'X-Forwarded-For': '203.0.113.5' } })).status, 404);
  const via = (xff, extra = {}) => proxied.fetch('/metrics', { headers: { 'X-Forwarded-For': xff, ...extra } });
  assert.equal((await via('203.0.113.5')).status, 404, 'an outside address');
  assert.equal((await via('10.1.2.7')).status, 200, 'metrics_allow');
  assert.equal((await via('10.1.3.7')).status, 404);
  assert.equal((await via('203.0.113.5', { Authorization: `Bearer ${METRICS_TOKEN}` })).status, 200, 'metrics_token');
  assert.equal((await via('203.0.113.5', { Authorization: `Bearer ${METRICS_TOKEN}x` })).status, 404);
  const r = await via('203.0.113.5');
  assert.doesNotMatch(await r.text(), /tinhso_http_requests_total/);
});
