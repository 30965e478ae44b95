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

test('a spray of many usernames from one address is slowed there, and only there', async () => {
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

// ------------------------------------------------------------------ the old password (item 8)

const cookieOf = (r) => /tinhso_session=([^;]*)/.exec(r.headers.get('set-cookie') || '')?.[1];

// POST /api/v1/me/password from ip with the session of sign-in answer s.
function changeFrom(srv, s, ip, old_password, new_password = 'một mật khẩu mới thật dài') {
  return srv.json('/api/v1/me/password', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip, Cookie: `tinhso_session=${cookieOf(s)}`, 'X-CSRF-Token': s.body.csrf_token },
    body: JSON.stringify({ old_password, new_password }),
  });
}

test('guessing the old password of a change is throttled like a sign-in, and every wrong guess is audited', async () => {
  const srv = await server();
  const ip = '203.0.113.40';
  const s = await loginFrom(srv, 'nguoidan1', DEMO_PW, ip);
  assert.equal(s.status, 200);
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await changeFrom(srv, s, ip, `đoán cũ ${i}`)).status);
  assert.deepEqual(codes, [422, 422, 422, 429, 429]);
  const wait = await changeFrom(srv, s, ip, DEMO_PW);
  assertProblem(wait, 429);
  assert.ok(Number(wait.headers.get('retry-after')) > 0);
  const a = await srv.admin('/api/v1/audit?action=auth.password_change_failed&limit=50', 'GET');
  assert.equal(a.status, 200);
  const fails = a.body.items.filter((e) => e.action === 'auth.password_change_failed' && e.object_id === 'nguoidan1');
  assert.equal(fails.length, 3, JSON.stringify(a.body.items).slice(0, 300));
  assert.equal(fails[0].summary.ip, ip);
  assert.doesNotMatch(JSON.stringify(a.body), /đoán cũ/, 'never the guess itself');
  // the same throttle: the sign-in from that address waits as well
  assertProblem(await loginFrom(srv, 'nguoidan1', DEMO_PW, ip), 429);
});

test('parallel guesses of the old password get no more tries than the limit', async () => {
  const srv = await server();
  const ip = '203.0.113.41';
  const s = await loginFrom(srv, 'nguoidan2', DEMO_PW, ip);
  assert.equal(s.status, 200);
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => changeFrom(srv, s, ip, `song song ${i}`)));
  const codes = rs.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 422).length, 3, JSON.stringify(codes));
  assert.equal(codes.filter((c) => c === 429).length, 5, JSON.stringify(codes));
});

// ------------------------------------------------------------------ the password rules (item 7)

function register(srv, body, lang) {
  return srv.json('/api/v1/auth/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(lang ? { 'Accept-Language': lang } : {}) },
    body: JSON.stringify({ full_name: 'Phạm Thị Thu', ...body }),
  });
}

test('password rules: 12 characters after NFC, up to 128, spaces and Unicode, no common ones, not the name', async () => {
  const srv = await server();
  const refused = [
    ['Xk9#mQ2!vL7', 'eleven characters', /ít nhất 12 ký tự/],
    ['A\u0301nh sao xa9', 'twelve code points as typed, eleven once composed (NFC)', /ít nhất 12 ký tự/],
    ['đường đi xa', 'eleven characters in seventeen bytes', /ít nhất 12 ký tự/],
    ['password1234', 'a dictionary word and digits', /phổ biến/],
    ['matkhau123456', 'a Vietnamese habit', /phổ biến/],
    ['qwertyuiop12', 'a keyboard run', /phổ biến/],
    ['pham.thu.2025 bí mật', 'contains the username', /tên đăng nhập/],
    ['tôi là Phạm Thị Thu nhé', 'contains the full name', /họ tên/],
    ['x'.repeat(60) + 'ý'.repeat(69), '129 characters', /tối đa 128/],
  ];
  for (const [password, why, msg] of refused) {
    const r = await register(srv, { username: 'pham.thu.2025', password });
    assertProblem(r, 422, 'password');
    const e = r.body.errors.find((x) => x.field === 'password');
    assert.match(e.message, msg, `${why}: ${e.message}`);
  }
  const en = await register(srv, { username: 'pham.thu.2025', password: 'Xk9#mQ2!vL7' }, 'en');
  assert.match(en.body.errors.find((x) => x.field === 'password').message, /at least 12 characters/);
  // accepted: 12 characters with Vietnamese diacritics (17 bytes); a 100-character passphrase with spaces
  const twelve = 'Đồng Hới mưa';
  assert.equal([...twelve.normalize('NFC')].length, 12);
  const ok = await register(srv, { username: 'pham.thu.2025', password: twelve });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const phrase = 'mùa thu Hà Nội có hoa sữa thơm nồng trên những con phố nhỏ, và tiếng rao đêm vọng mãi bên hồ Gươm xưa';
  assert.ok([...phrase].length >= 100);
  const ok2 = await register(srv, { username: 'pham.thu.2026', password: phrase });
  assert.equal(ok2.status, 201, JSON.stringify(ok2.body));
  assert.equal((await loginFrom(srv, 'pham.thu.2026', phrase, '192.0.2.50')).status, 200);
  // the password typed decomposed (NFD) is the same password
  assert.equal((await loginFrom(srv, 'pham.thu.2025', twelve.normalize('NFD'), '192.0.2.51')).status, 200);
});

// ------------------------------------------------------------------ registration and contacts (item 11)

test('registration: no e-mail or phone as a sign-in name; contacts unverified until a one-time code proves them', async () => {
  const srv = await server();
  const pw = 'hoa sen nở giữa hè';
  // an e-mail is never turned into a username
  assertProblem(await register(srv, { email: 'thu.pham@example.vn', password: pw }), 422, 'username');
  const r = await register(srv, { username: 'thu.pham', email: 'thu.pham@example.vn', phone: '0912 000 111', password: pw });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.email_verified, false);
  assert.equal(r.body.phone_verified, false);
  // not a sign-in name
  assertProblem(await loginFrom(srv, 'thu.pham@example.vn', pw, '192.0.2.60'), 401);
  // a second account may give the same e-mail: registering tells nobody whose it is
  const r2 = await register(srv, { username: 'ai.do', email: 'thu.pham@example.vn', password: pw });
  assert.equal(r2.status, 201, JSON.stringify(r2.body));
  // /me and the listing show the flags
  const s = await loginFrom(srv, 'thu.pham', pw, '192.0.2.60');
  assert.equal(s.status, 200);
  assert.equal(s.body.account.email, 'thu.pham@example.vn');
  assert.equal(s.body.account.email_verified, false);
  assert.equal(s.body.account.phone_verified, false);
  const list = await srv.admin('/api/v1/accounts?q=thu.pham&limit=10', 'GET');
  const row = list.body.items.find((a) => a.username === 'thu.pham');
  assert.equal(row.email_verified, false);
  const me = (path, body) => srv.json(path, {
    method: body ? 'POST' : 'GET',
    headers: { 'Content-Type': 'application/json', Cookie: `tinhso_session=${cookieOf(s)}`, 'X-CSRF-Token': s.body.csrf_token },
    body: body && JSON.stringify(body),
  });
  // no code yet, a wrong code, a bad channel: 422 naming the field, nothing verified
  assertProblem(await me('/api/v1/me/contact/verify', { channel: 'email', code: '12345678' }), 422, 'code');
  assertProblem(await me('/api/v1/me/contact/verify', { channel: 'fax', code: '12345678' }), 422, 'channel');
  const { cli } = await import('./lib/server.mjs');
  const code = cli(['user', 'contact-code', '--db', srv.db.url, '--username', 'thu.pham', '--channel', 'email']);
  assert.equal(code.status, 0, code.stderr);
  assert.match(code.stdout.trim(), /^\d{8}$/);
  const wrong = code.stdout.trim() === '00000000' ? '11111111' : '00000000';
  assertProblem(await me('/api/v1/me/contact/verify', { channel: 'email', code: wrong }), 422, 'code');
  assert.equal((await me('/api/v1/me')).body.account.email_verified, false);
  const ok = await me('/api/v1/me/contact/verify', { channel: 'email', code: code.stdout.trim() });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  const after = (await me('/api/v1/me')).body.account;
  assert.equal(after.email_verified, true);
  assert.equal(after.phone_verified, false, 'each contact is proven on its own');
  // a code works once
  assertProblem(await me('/api/v1/me/contact/verify', { channel: 'email', code: code.stdout.trim() }), 422, 'code');
  // a changed e-mail is unverified again
  const patched = await srv.admin(`/api/v1/accounts/${r.body.id}`, 'PATCH', { email: 'thu.moi@example.vn' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.email_verified, false);
});

test('a one-time code dies after five wrong tries', async () => {
  const srv = await server();
  const pw = 'hoa sen nở giữa hè';
  assert.equal((await register(srv, { username: 'thu.nam', phone: '0912 000 222', password: pw })).status, 201);
  const s = await loginFrom(srv, 'thu.nam', pw, '192.0.2.61');
  const { cli } = await import('./lib/server.mjs');
  const code = cli(['user', 'contact-code', '--db', srv.db.url, '--username', 'thu.nam', '--channel', 'phone']).stdout.trim();
  const verify = (c) => srv.json('/api/v1/me/contact/verify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `tinhso_session=${cookieOf(s)}`, 'X-CSRF-Token': s.body.csrf_token },
    body: JSON.stringify({ channel: 'phone', code: c }),
  });
  for (let i = 0; i < 5; i++) assertProblem(await verify(String((Number(code) + 1 + i) % 1e8).padStart(8, '0')), 422, 'code');
  assertProblem(await verify(code), 422, 'code');
});

test('registration is rate limited per address, and a taken username answers like any other refusal', async () => {
  const srv = await server({ register_ip_max_per_hour: 3 });
  const pw = 'hoa sen nở giữa hè';
  assert.equal((await register(srv, { username: 'dk.mot', password: pw })).status, 201);
  const taken = await register(srv, { username: 'dk.mot', password: pw });
  assertProblem(taken, 409, 'username');
  assert.equal((await register(srv, { username: 'dk.hai', password: pw })).status, 201);
  const limited = await register(srv, { username: 'dk.ba', password: pw });
  assertProblem(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});
