// The client's address behind a reverse proxy (trusted_proxies and
// X-Forwarded-For), as the per-address sign-in limit and the audit trail
// see it; and the per-address limit on self-registration.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cli } from './lib/server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tinhso-proxy-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

let n = 0;
function config(obj) {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

const json = { 'Content-Type': 'application/json' };
const login = (srv, username, xff) => srv.json('/api/v1/auth/login', {
  method: 'POST',
  headers: { ...json, ...(xff ? { 'X-Forwarded-For': xff } : {}) },
  body: JSON.stringify({ username, password: 'not the password' }),
});
const register = (srv, username, xff, password = 'hoa sen nở giữa hè') => srv.json('/api/v1/auth/register', {
  method: 'POST',
  headers: { ...json, ...(xff ? { 'X-Forwarded-For': xff } : {}) },
  body: JSON.stringify({ username, full_name: 'Người Dân Thử', password }),
});

async function failedLoginIps(srv) {
  const a = await srv.admin('/api/v1/audit?action=auth.login_failed&limit=100', 'GET');
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return a.body.items.filter((e) => e.action === 'auth.login_failed').map((e) => e.summary.ip);
}

test('without trusted_proxies, X-Forwarded-For is ignored: a client cannot dodge the per-address limit', async () => {
  const srv = await startServer({ args: ['--config', config({ login_ip_max_failures: 3 })] });
  cleanups.push(() => srv.close());
  for (let i = 0; i < 3; i++) {
    const r = await login(srv, `khongco${i}`, `198.51.100.${i + 1}`);
    assert.equal(r.status, 401, JSON.stringify(r.body));
  }
  const locked = await login(srv, 'khongco9', '198.51.100.99');
  assert.equal(locked.status, 429, 'all attempts came from 127.0.0.1, whatever the header says');
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  const ips = await failedLoginIps(srv);
  assert.ok(ips.length >= 3);
  for (const ip of ips) assert.equal(ip, '127.0.0.1');
});

test('behind a trusted proxy the client is the nearest untrusted X-Forwarded-For address', async () => {
  const srv = await startServer({
    args: ['--config', config({ login_ip_max_failures: 3, trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] })],
  });
  cleanups.push(() => srv.close());
  // three failures from one citizen's address lock that address only
  for (let i = 0; i < 3; i++)
    assert.equal((await login(srv, `khongco${i}`, '203.0.113.7')).status, 401);
  assert.equal((await login(srv, 'khongco8', '203.0.113.7')).status, 429);
  assert.equal((await login(srv, 'khongco8', '203.0.113.8')).status, 401, 'another citizen is not locked');
  // a client-supplied address on the left does not help: the proxy appended the real one
  assert.equal((await login(srv, 'khongco8', '1.2.3.4, 203.0.113.7')).status, 429);
  // hops through trusted proxies (10.x) are skipped
  assert.equal((await login(srv, 'khongco8', '203.0.113.7, 10.1.2.3')).status, 429);
  // garbage in the header: the proxy itself is the client (not locked)
  assert.equal((await login(srv, 'khongco8', 'not-an-address, 203.0.113.7; drop')).status, 401);
  // the audit trail names the citizen's address
  const ips = await failedLoginIps(srv);
  assert.ok(ips.includes('203.0.113.7'), JSON.stringify(ips));
  assert.ok(ips.includes('203.0.113.8'));
  assert.ok(!ips.includes('1.2.3.4'), 'a spoofed address never reaches the audit trail');
});

test('self-registration is limited per address and hour; a refused attempt creates nothing', async () => {
  const srv = await startServer({
    args: ['--config', config({ register_ip_max_per_hour: 3, trusted_proxies: ['127.0.0.1'] })],
  });
  cleanups.push(() => srv.close());
  const xff = '203.0.113.50';
  assert.equal((await register(srv, 'dangky.mot', xff)).status, 201);
  // an attempt refused for its content still counts: it cost a password hash
  assert.equal((await register(srv, 'dangky.hai', xff, '123')).status, 422);
  assert.equal((await register(srv, 'dangky.ba', xff)).status, 201);
  const limited = await register(srv, 'dangky.bon', xff);
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.match(limited.headers.get('content-type'), /^application\/problem\+json/);
  assert.match(limited.body.detail, /quá nhiều/, 'Vietnamese by default');
  const ra = Number(limited.headers.get('retry-after'));
  assert.ok(ra > 3500 && ra <= 3600, `Retry-After ${ra}`);
  const en = await srv.json('/api/v1/auth/register', {
    method: 'POST', headers: { ...json, 'X-Forwarded-For': xff, 'Accept-Language': 'en' },
    body: JSON.stringify({ username: 'dangky.bon', full_name: 'Người Dân Thử', password: 'hoa sen nở giữa hè' }),
  });
  assert.equal(en.status, 429);
  assert.match(en.body.detail, /Too many registrations/);
  // another address registers the same username: the refused one was not created
  assert.equal((await register(srv, 'dangky.bon', '203.0.113.51')).status, 201);
});

test('invalid trusted_proxies and register_ip_max_per_hour are refused at start', () => {
  for (const bad of [{ trusted_proxies: ['not-an-ip'] }, { trusted_proxies: ['10.0.0.0/33'] },
    { trusted_proxies: '127.0.0.1' }, { trusted_proxies: [42] }, { trusted_proxies: ['::1/129'] },
    { trusted_proxies: Array(17).fill('127.0.0.1') }, { register_ip_max_per_hour: 0 },
    { register_ip_max_per_hour: 'many' }]) {
    const d = freshDb();
    const r = cli(['serve', '--db', d.url, '--listen', '127.0.0.1:0', '--config', config(bad)]);
    d.cleanup();
    assert.equal(r.status, 1, JSON.stringify(bad));
    assert.match(r.stderr, /trusted_proxies|register_ip_max_per_hour/, r.stderr);
  }
});

test('IPv6 addresses and networks are accepted as trusted proxies', async () => {
  const srv = await startServer({ args: ['--config', config({ trusted_proxies: ['::1', 'fd00::/8', '127.0.0.0/8'] })] });
  cleanups.push(() => srv.close());
  assert.equal((await srv.json('/readyz')).status, 200);
  assert.equal((await login(srv, 'khongco', '2001:db8::7')).status, 401);
  const ips = await failedLoginIps(srv);
  assert.ok(ips.includes('2001:db8::7'), JSON.stringify(ips));
});
