// Sign-in throttling without lockout-as-a-weapon (docs/decisions.md §31):
// the attacks of the ASVS review (issue 8 item 3) sent to a real server.
// Client addresses are told apart through X-Forwarded-For from a trusted
// proxy (127.0.0.1), as behind nginx.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { DEMO_PW, assertProblem } from './lib/helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tinhso-throttle-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

let n = 0;
async function server(cfg = {}) {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({ trusted_proxies: ['127.0.0.1'], ...cfg }));
  const srv = await startServer({ args: ['--config', p] });
  cleanups.push(() => srv.close());
  return srv;
}

// Sign in as username from the client address ip.
export function loginFrom(srv, username, password, ip) {
  return srv.json('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
    body: JSON.stringify({ username, password }),
  });
}

async function failedLogins(srv, username) {
  const a = await srv.admin(`/api/v1/audit?action=auth.login_failed&object_id=${username}&limit=200`, 'GET');
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return a.body.items.filter((e) => e.action === 'auth.login_failed' && e.object_id === username);
}

test('after 3 failures from one address that address waits (429, Retry-After), even with the right password', async () => {
  const srv = await server();
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await loginFrom(srv, 'nguoidan2', `sai mật khẩu ${i}`, '203.0.113.1')).status);
  assert.deepEqual(codes, [401, 401, 401, 429]);
  const wait = await loginFrom(srv, 'nguoidan2', DEMO_PW, '203.0.113.1');
  assertProblem(wait, 429);
  const ra = Number(wait.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 5, `Retry-After ${ra}: the first wait is 5 s`);
  assert.match(wait.body.detail, /thử lại sau \d+ giây/);
  assert.equal((await failedLogins(srv, 'nguoidan2')).length, 3, 'a refused try is not a guess: not counted');
});

test('5+ wrong passwords for a username from other addresses do not stop its right password from a new address', async () => {
  const srv = await server({ login_max_failures: 9 });
  // an attacker fails 9 times from three addresses: over the username's ceiling
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    for (let i = 0; i < 3; i++)
      assert.equal((await loginFrom(srv, 'nguoidan1', `đoán ${i}`, ip)).status, 401);
  // the attacker's addresses are slowed, whatever they send
  assertProblem(await loginFrom(srv, 'nguoidan1', DEMO_PW, '198.51.100.1'), 429);
  // a fourth attacker address that failed once is slowed by the ceiling
  assert.equal((await loginFrom(srv, 'nguoidan1', 'đoán x', '198.51.100.4')).status, 401);
  assertProblem(await loginFrom(srv, 'nguoidan1', 'đoán y', '198.51.100.4'), 429);
  // the citizen, from an address with no failures, signs in at once
  const ok = await loginFrom(srv, 'nguoidan1', DEMO_PW, '192.0.2.10');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // and again later: the attacker cannot re-lock them
  assert.equal((await loginFrom(srv, 'nguoidan1', DEMO_PW, '192.0.2.10')).status, 200);
});

test('50 failures by one username behind an office NAT do not lock the other people at that address', async () => {
  const srv = await server();
  const nat = '203.0.113.200';
  const codes = [];
  for (let i = 0; i < 50; i++) codes.push((await loginFrom(srv, 'nguoidan2', `gõ nhầm ${i}`, nat)).status);
  assert.deepEqual(codes.slice(0, 3), [401, 401, 401]);
  assert.ok(codes.slice(3).every((c) => c === 429), 'the one who mistypes waits');
  for (const u of ['nguoidan1', 'stp.quantri', 'syt.quantri']) {
    const r = await loginFrom(srv, u, DEMO_PW, nat);
    assert.equal(r.status, 200, `${u} at the same address: ${JSON.stringify(r.body)}`);
  }
});

test('a spray of many usernames from one address is slowed, and the wait grows', async () => {
  const srv = await server({ login_ip_max_failures: 5 });
  const ip = '198.51.100.77';
  for (let i = 0; i < 5; i++)
    assert.equal((await loginFrom(srv, `nan.nhan${i}`, 'Matkhau@2025', ip)).status, 401);
  const slowed = await loginFrom(srv, 'nan.nhan5', 'Matkhau@2025', ip);
  assertProblem(slowed, 429);
  assert.ok(Number(slowed.headers.get('retry-after')) > 0);
  // even a real account's right password waits at the spraying address...
  assertProblem(await loginFrom(srv, 'nguoidan1', DEMO_PW, ip), 429);
  // ...and nowhere else
  assert.equal((await loginFrom(srv, 'nguoidan1', DEMO_PW, '192.0.2.33')).status, 200);
});

test('parallel wrong sign-ins get no more tries than the limit (counted before the hash)', async () => {
  const srv = await server();
  const ip = '203.0.113.99';
  const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => loginFrom(srv, 'stp.quantri', `song song ${i}`, ip)));
  const codes = rs.map((r) => r.status).sort();
  assert.equal(codes.filter((c) => c === 401).length, 3, JSON.stringify(codes));
  assert.equal(codes.filter((c) => c === 429).length, 9, JSON.stringify(codes));
  assert.equal((await failedLogins(srv, 'stp.quantri')).length, 3, 'three guesses, three audit entries');
});

test('parallel sprays from one address stop at the distinct-username limit', async () => {
  const srv = await server({ login_ip_max_failures: 4 });
  const ip = '203.0.113.98';
  const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => loginFrom(srv, `phun${i}`, 'Matkhau@2025', ip)));
  const codes = rs.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 401).length, 4, JSON.stringify(codes));
});
