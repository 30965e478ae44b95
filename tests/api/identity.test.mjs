// Identity: sign-in (cookie flags, same answer for unknown user and wrong
// password), /me, sign-out, CSRF on cookie writes, session expiry and
// tampering, registration rules, password change revoking other sessions,
// sign-in throttle (429 + Retry-After, right password waits too from that address),
// agency-scoped permissions, API tokens (last use recorded, revocation),
// the audit endpoint's visibility, and the `user add` / `token create` CLI.
// Uses the demo sign-ins created by `tinhso demo` (password DEMO_PW).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cli, ADMIN_TOKEN } from './lib/server.mjs';
import { DEMO_PW, assertProblem, auditCount, login, signedIn, as } from './lib/helpers.mjs';

const ROOT = '000.00.00.H06';
const STP = '000.00.03.H06'; // Sở Tư pháp
const STP_DIV = '000.01.03.H06'; // Phòng Hành chính tư pháp (under STP)
const SYT = '000.00.07.H06'; // Sở Y tế

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.close(); });

function bearer(s, token, path, method = 'GET', body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return s.json(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function agencyName(code) {
  return (await srv.json(`/api/v1/agencies/${code}`)).body.name;
}

// ------------------------------------------------------------------ sign-in

test('login: 200, session cookie HttpOnly + SameSite=Lax + Path=/, CSRF token, grants with agency', async () => {
  const r = await signedIn(srv, 'stp.quantri');
  assert.match(r.setCookie, /^tinhso_session=[A-Za-z0-9_-]{43};/);
  assert.match(r.setCookie, /;\s*HttpOnly/i);
  assert.match(r.setCookie, /;\s*SameSite=Lax/i);
  assert.match(r.setCookie, /;\s*Path=\//);
  assert.doesNotMatch(r.setCookie, /Secure/i, 'not Secure unless cookie_secure is configured');
  assert.equal(r.body.auth, 'session');
  assert.equal(r.body.account.username, 'stp.quantri');
  assert.equal(r.body.account.full_name, 'Trần Thị Bình');
  assert.match(r.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(r.body.grants, [{ role: 'agency_admin', agency_code: STP, agency_name: 'Sở Tư pháp' }]);
  const me = await as(srv, r, '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.account.username, 'stp.quantri');
  assert.equal(me.body.csrf_token, r.csrf);
  assert.equal(me.body.grants[0].agency_name, 'Sở Tư pháp');
});

test('wrong password and unknown user get the same 401 answer; usernames are case-insensitive', async () => {
  const wrong = await login(srv, 'stp.canbo1', 'not the password!');
  const unknown = await login(srv, 'khong.ton.tai', 'not the password!');
  assertProblem(wrong, 401);
  assertProblem(unknown, 401);
  assert.equal(wrong.body.type, unknown.body.type);
  assert.equal(wrong.body.detail, unknown.body.detail);
  assert.equal(wrong.cookie, null);
  assert.equal(unknown.cookie, null);
  assert.equal((await login(srv, 'STP.CanBo1')).status, 200);
});

test('/me without credentials is 401 with WWW-Authenticate; a tampered cookie is 401', async () => {
  const r = await srv.json('/api/v1/me');
  assertProblem(r, 401);
  assert.match(r.headers.get('www-authenticate') || '', /^Bearer/);
  const s = await signedIn(srv, 'stp.canbo2');
  const last = s.cookie.at(-1) === 'A' ? 'B' : 'A';
  for (const bad of [s.cookie.slice(0, -1) + last, s.cookie + 'x', 'x'.repeat(43), "' OR 1=1 --"]) {
    assertProblem(await as(srv, { cookie: bad }, '/api/v1/me'), 401);
  }
  assert.equal((await as(srv, s, '/api/v1/me')).status, 200);
});

test('logout ends the session, clears the cookie and is in the audit trail', async () => {
  const s = await signedIn(srv, 'syt.canbo1');
  const n = auditCount(srv.db.url);
  const out = await as(srv, s, '/api/v1/auth/logout', 'POST');
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie') || '', /tinhso_session=;.*Max-Age=0/);
  assertProblem(await as(srv, s, '/api/v1/me'), 401);
  assert.equal(auditCount(srv.db.url), n + 1);
  const log = await srv.admin('/api/v1/audit?object_id=syt.canbo1&limit=1');
  assert.equal(log.body.items[0].action, 'auth.logout');
  assert.equal(log.body.items[0].agency, '000.00.07.H06');
  // signing out again with the ended session: 401, nothing recorded
  assertProblem(await as(srv, s, '/api/v1/auth/logout', 'POST'), 401);
  assert.equal(auditCount(srv.db.url), n + 1);
});

test('CSRF: a cookie write without or with a wrong X-CSRF-Token is 403 and changes nothing', async () => {
  const s = await signedIn(srv, 'stp.quantri');
  const before = await agencyName(STP_DIV);
  for (const extra of [{}, { 'X-CSRF-Token': 'wrong' }, { 'X-CSRF-Token': s.csrf + 'x' }]) {
    const headers = { Cookie: `tinhso_session=${s.cookie}`, 'Content-Type': 'application/json', ...extra };
    const r = await srv.json(`/api/v1/agencies/${STP_DIV}`, { method: 'PATCH', headers, body: JSON.stringify({ name: 'Giả mạo' }) });
    assertProblem(r, 403);
  }
  assert.equal(await agencyName(STP_DIV), before);
  const ok = await as(srv, s, `/api/v1/agencies/${STP_DIV}`, 'PATCH', { short_name: 'P.HCTP' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

// ------------------------------------------------------------------ scope

test('agency admin of Sở Tư pháp cannot change Sở Y tế (403, unchanged) nor create agencies', async () => {
  const s = await signedIn(srv, 'stp.quantri');
  const before = await agencyName(SYT);
  const r = await as(srv, s, `/api/v1/agencies/${SYT}`, 'PATCH', { name: 'Sở Y tế (đã sửa)' });
  assertProblem(r, 403);
  assert.equal(await agencyName(SYT), before);
  // nor move its own division under Sở Y tế
  assertProblem(await as(srv, s, `/api/v1/agencies/${STP_DIV}`, 'PATCH', { parent_code: SYT }), 403);
  assertProblem(await as(srv, s, '/api/v1/agencies', 'POST', { code: '000.09.03.H06', parent_code: STP, name: 'Phòng mới' }), 403);
  // an officer (not admin) of STP cannot patch STP either; units need system_admin
  const o = await signedIn(srv, 'stp.canbo1');
  assertProblem(await as(srv, o, `/api/v1/agencies/${STP}`, 'PATCH', { short_name: 'X' }), 403);
  assertProblem(await as(srv, s, '/api/v1/units/24', 'PATCH', { name: 'X' }), 403);
  // the system admin can do both
  const sa = await signedIn(srv, 'quantri');
  const ok = await as(srv, sa, `/api/v1/agencies/${SYT}`, 'PATCH', { short_name: 'SYT BN' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('officer accounts: agency admin creates in own subtree only; system_admin only by a system admin', async () => {
  const s = await signedIn(srv, 'stp.quantri');
  const body = { username: 'stp.canbo9', full_name: 'Lê Thị Chín', password: 'hoa sen nở giữa hè', role: 'officer', agency_code: STP_DIV };
  const r = await as(srv, s, '/api/v1/accounts', 'POST', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'officer');
  assert.equal(r.body.password, undefined);
  assertProblem(await as(srv, s, '/api/v1/accounts', 'POST', { ...body, username: 'syt.canbo9', agency_code: SYT }), 403);
  assertProblem(await as(srv, s, '/api/v1/accounts', 'POST', { ...body, username: 'stp.root', role: 'system_admin' }), 403);
  assertProblem(await as(srv, s, '/api/v1/accounts', 'POST', body), 409, 'username');
  const me = await signedIn(srv, 'stp.canbo9', 'hoa sen nở giữa hè');
  assert.deepEqual(me.body.grants.map((g) => g.agency_code), [STP_DIV]);
  const citizen = await signedIn(srv, 'nguoidan1');
  assertProblem(await as(srv, citizen, '/api/v1/accounts', 'POST', { ...body, username: 'x.y.z' }), 403);
});

// ------------------------------------------------------------------ registration

test('registration: 201, duplicate 409, weak passwords 422 naming the field, names stored verbatim', async () => {
  const reg = (b) => srv.json('/api/v1/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
  const name = `Nguyễn Thị Mai'); DROP TABLE accounts;-- <script>alert(1)</script>`;
  const r = await reg({ username: 'nguyenthimai', full_name: name, password: 'hoa sen nở giữa hè' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'citizen');
  assert.equal(r.body.full_name, name);
  assertProblem(await reg({ username: 'NguyenThiMai', full_name: 'Lê Thị Hoa', password: 'một mật khẩu khác' }), 409, 'username');
  for (const [pw, why] of [['short', 'too short'], ['matkhau123456', 'common'], ['12345678901', 'too short'],
    ['123456789012', 'common'], ['tranvanbay-2025!', 'contains the username']]) {
    const w = await reg({ username: 'tranvanbay', full_name: 'Trần Văn Bảy', password: pw });
    assertProblem(w, 422, 'password');
    assert.ok(w.body.errors.find((e) => e.field === 'password').message.length > 0, why);
  }
  assertProblem(await reg({ username: 'tranvanbay', full_name: 'x'.repeat(201), password: 'hoa sen nở giữa hè' }), 422, 'full_name');
  assertProblem(await reg({ username: 'a'.repeat(65), full_name: 'Trần Văn Bảy', password: 'hoa sen nở giữa hè' }), 422, 'username');
  assertProblem(await reg({ username: 'có dấu', full_name: 'Trần Văn Bảy', password: 'hoa sen nở giữa hè' }), 422, 'username');
  assertProblem(await reg({ full_name: 'Trần Văn Bảy', password: 'hoa sen nở giữa hè' }), 422, 'username');
  // an unverified e-mail or phone is never the sign-in name (decisions §31):
  // a chosen username is required, the contacts are stored unverified
  assertProblem(await reg({ email: 'Bay.Tran@Example.vn', full_name: 'Trần Văn Bảy', password: 'hoa sen nở giữa hè' }), 422, 'username');
  const byMail = await reg({ username: 'tranvanbay', email: 'Bay.Tran@Example.vn', phone: '0912 345 678', full_name: 'Trần Văn Bảy', password: 'hoa sen nở giữa hè' });
  assert.equal(byMail.status, 201, JSON.stringify(byMail.body));
  assert.equal(byMail.body.username, 'tranvanbay');
  assert.equal(byMail.body.email_verified, false);
  assert.equal(byMail.body.phone_verified, false);
  assertProblem(await login(srv, 'bay.tran@example.vn', 'hoa sen nở giữa hè'), 401);
  const s = await signedIn(srv, 'nguyenthimai', 'hoa sen nở giữa hè');
  assert.equal(s.body.account.full_name, name);
  assert.deepEqual(s.body.grants, []);
});

test('password change: needs the old one, checks the rules, revokes the other sessions', async () => {
  const reg = await srv.json('/api/v1/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'doimatkhau.test', full_name: 'Phạm Văn Đổi', password: 'mật khẩu cũ dài' }) });
  assert.equal(reg.status, 201);
  const a = await signedIn(srv, 'doimatkhau.test', 'mật khẩu cũ dài');
  const b = await signedIn(srv, 'doimatkhau.test', 'mật khẩu cũ dài');
  assertProblem(await as(srv, a, '/api/v1/me/password', 'POST', { old_password: 'sai rồi nhé', new_password: 'mật khẩu mới dài' }), 422, 'old_password');
  assertProblem(await as(srv, a, '/api/v1/me/password', 'POST', { old_password: 'mật khẩu cũ dài', new_password: 'matkhau123' }), 422, 'new_password');
  assertProblem(await as(srv, a, '/api/v1/me/password', 'POST', { old_password: 'mật khẩu cũ dài', new_password: 'mật khẩu mới dài' }, { 'X-CSRF-Token': '' }), 403);
  const ok = await as(srv, a, '/api/v1/me/password', 'POST', { old_password: 'mật khẩu cũ dài', new_password: 'mật khẩu mới dài' });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  assert.equal((await as(srv, a, '/api/v1/me')).status, 200, 'the session that changed it stays');
  assertProblem(await as(srv, b, '/api/v1/me'), 401);
  assertProblem(await login(srv, 'doimatkhau.test', 'mật khẩu cũ dài'), 401);
  assert.equal((await login(srv, 'doimatkhau.test', 'mật khẩu mới dài')).status, 200);
});

// ------------------------------------------------------------------ brute force

// Since issue 8 (decisions §31) three failures from one address make that
// address wait (it was five failures locking the username everywhere);
// tests/api/throttle.test.mjs has the attacks on the throttle itself.
test('a burst of wrong passwords gets 429 with Retry-After; the right password from that address waits too', async () => {
  const codes = [];
  for (let i = 0; i < 6; i++) codes.push((await login(srv, 'nguoidan2', `wrong password ${i}`)).status);
  assert.deepEqual(codes.slice(0, 3), [401, 401, 401]);
  assert.deepEqual(codes.slice(3), [429, 429, 429]);
  const locked = await login(srv, 'nguoidan2');
  assertProblem(locked, 429);
  assert.equal(locked.body.type, '/problems/rate-limited');
  const ra = Number(locked.headers.get('retry-after'));
  assert.ok(ra > 0 && ra <= 30, `Retry-After: ${locked.headers.get('retry-after')}`);
  assert.equal(locked.cookie, null);
  // the counter is per username: another account still signs in
  assert.equal((await login(srv, 'nguoidan1')).status, 200);
  // failures are in the audit chain, without the password
  const audit = await srv.admin('/api/v1/audit?object_type=account&object_id=nguoidan2&limit=100', 'GET');
  assert.equal(audit.status, 200);
  const fails = audit.body.items.filter((e) => e.action === 'auth.login_failed');
  assert.equal(fails.length, 3, JSON.stringify(audit.body).slice(0, 300));
  assert.doesNotMatch(JSON.stringify(audit.body), /wrong password|TinhSo@2025demo/);
});

// ------------------------------------------------------------------ API tokens

test('API tokens: shown once, scoped to an agency, last use recorded, revoked → 401', async () => {
  // a token belongs to an account: the bootstrap token, which has none, cannot make one
  assertProblem(await srv.admin('/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['agency_admin'] }), 403);
  const stp = await signedIn(srv, 'stp.quantri');
  const c = await as(srv, stp, '/api/v1/tokens', 'POST', { name: 'Kết nối LGSP', purpose: 'Đồng bộ hồ sơ với LGSP', agency_code: STP, permissions: ['agency_admin'] });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.owner.username, 'stp.quantri');
  const token = c.body.token;
  assert.match(token, /^tsk_[A-Za-z0-9_-]{43}$/);
  assert.equal(c.body.last_used_at, null);
  const me = await bearer(srv, token, '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.auth, 'token');
  assert.deepEqual(me.body.grants.map((g) => [g.role, g.agency_code]), [['agency_admin', STP]]);
  const ok = await bearer(srv, token, `/api/v1/agencies/${STP_DIV}`, 'PATCH', { short_name: 'HCTP' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assertProblem(await bearer(srv, token, `/api/v1/agencies/${SYT}`, 'PATCH', { short_name: 'no' }), 403);
  const list = await srv.admin('/api/v1/tokens', 'GET');
  const t = list.body.items.find((x) => x.id === c.body.id);
  assert.ok(t.last_used_at, 'last_used_at recorded');
  assert.equal(t.token, undefined, 'the secret is never listed');
  // an agency admin of another agency cannot see or revoke it
  const syt = await signedIn(srv, 'syt.quantri');
  assert.ok(!(await as(srv, syt, '/api/v1/tokens')).body.items.some((x) => x.id === c.body.id));
  assertProblem(await as(srv, syt, `/api/v1/tokens/${c.body.id}`, 'DELETE'), 403);
  // an agency admin cannot mint system_admin tokens
  assertProblem(await as(srv, stp, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['system_admin'] }), 403);
  assertProblem(await as(srv, stp, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['root'] }), 422, 'permissions');
  assert.equal((await srv.admin(`/api/v1/tokens/${c.body.id}`, 'DELETE')).status, 204);
  const r = await bearer(srv, token, '/api/v1/me');
  assertProblem(r, 401);
  assert.match(r.headers.get('www-authenticate') || '', /invalid_token/);
  assertProblem(await bearer(srv, 'tsk_' + 'A'.repeat(43), '/api/v1/me'), 401);
});

// ------------------------------------------------------------------ audit endpoint

test('audit endpoint: system admin sees all, agency admin only own agency, citizen 403', async () => {
  const sa = await signedIn(srv, 'quantri');
  const all = await as(srv, sa, '/api/v1/audit?limit=1000');
  assert.equal(all.status, 200);
  assert.ok(all.body.total >= all.body.items.length);
  const agencies = new Set(all.body.items.map((e) => e.agency));
  assert.ok(agencies.has(SYT), 'sees Sở Y tế entries');
  const stp = await signedIn(srv, 'stp.quantri');
  const own = await as(srv, stp, '/api/v1/audit?limit=1000');
  assert.equal(own.status, 200);
  assert.ok(own.body.items.length > 0);
  for (const e of own.body.items) assert.ok([STP, STP_DIV, '000.02.03.H06'].includes(e.agency), `foreign entry: ${JSON.stringify(e)}`);
  const filtered = await as(srv, sa, `/api/v1/audit?object_type=agency&object_id=${SYT}&actor=user:1`);
  assert.ok(filtered.body.items.length >= 1);
  for (const e of filtered.body.items) assert.equal(e.object_id, SYT);
  assert.equal((await as(srv, sa, '/api/v1/audit?from=2999-01-01')).body.total, 0);
  assertProblem(await as(srv, sa, '/api/v1/audit?from=yesterday'), 400, 'from');
  const citizen = await signedIn(srv, 'nguoidan1');
  assertProblem(await as(srv, citizen, '/api/v1/audit'), 403);
  const officer = await signedIn(srv, 'stp.canbo1');
  assertProblem(await as(srv, officer, '/api/v1/audit'), 403);
  assertProblem(await srv.json('/api/v1/audit'), 401);
});

// ------------------------------------------------------------------ CLI

test('tinhso user add reads the password from stdin (empty refused); tinhso token create prints it once', async () => {
  const db = srv.db.url;
  const empty = cli(['user', 'add', '--db', db, '--username', 'cli.user', '--name', 'Võ Văn Mười', '--role', 'officer', '--agency', SYT], { input: '\n' });
  assert.equal(empty.status, 1, empty.stderr);
  const weak = cli(['user', 'add', '--db', db, '--username', 'cli.user', '--name', 'Võ Văn Mười', '--role', 'officer', '--agency', SYT], { input: 'matkhau123\n' });
  assert.equal(weak.status, 1);
  assert.match(weak.stderr, /password/);
  const ok = cli(['user', 'add', '--db', db, '--username', 'cli.user', '--name', 'Võ Văn Mười', '--role', 'officer', '--agency', SYT], { input: 'gió mùa đông bắc\n' });
  assert.equal(ok.status, 0, ok.stderr);
  const s = await signedIn(srv, 'cli.user', 'gió mùa đông bắc');
  assert.deepEqual(s.body.grants.map((g) => [g.role, g.agency_code]), [['officer', SYT]]);
  // the console names the account the token belongs to (and is bounded by)
  assert.equal(cli(['token', 'create', '--db', db, '--agency', SYT, '--name', 'x', '--purpose', 'x', '--permissions', 'officer']).status, 2, 'no --owner: usage');
  assert.equal(cli(['token', 'create', '--db', db, '--owner', 'cli.user', '--agency', SYT, '--name', 'x', '--purpose', 'x', '--permissions', 'leader']).status, 1, 'the owner does not hold leader');
  const tok = cli(['token', 'create', '--db', db, '--owner', 'quantri', '--agency', SYT, '--name', 'Máy chủ báo cáo', '--purpose', 'Báo cáo định kỳ', '--permissions', 'officer,leader']);
  assert.equal(tok.status, 0, tok.stderr);
  const token = tok.stdout.trim();
  assert.match(token, /^tsk_[A-Za-z0-9_-]{43}$/);
  const me = await bearer(srv, token, '/api/v1/me');
  assert.deepEqual(me.body.grants.map((g) => g.role).sort(), ['leader', 'officer']);
  const audit = await srv.admin('/api/v1/audit?limit=20', 'GET');
  const mine = audit.body.items.filter((e) => e.actor.startsWith('cli:'));
  assert.ok(mine.some((e) => e.action === 'account.create' && e.object_id === 'cli.user'));
  assert.ok(mine.some((e) => e.action === 'token.create'));
  assert.doesNotMatch(JSON.stringify(audit.body), /gió mùa|tsk_/);
  assert.equal(cli(['token', 'create', '--db', db, '--owner', 'quantri', '--agency', SYT, '--name', 'x', '--purpose', 'x', '--permissions', 'root']).status, 1);
});

test('bootstrap admin token acts as system admin', async () => {
  const me = await srv.admin('/api/v1/me', 'GET');
  assert.equal(me.status, 200);
  assert.equal(me.body.auth, 'bootstrap');
  assert.deepEqual(me.body.grants.map((g) => g.role), ['system_admin']);
  assert.equal((await srv.admin(`/api/v1/agencies/${ROOT}`, 'PATCH', { short_name: 'UBND tỉnh' })).status, 200);
});

// ------------------------------------------------------------------ expiry, Secure

test('sessions expire when idle (configurable); cookie_secure adds Secure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinhso-id-'));
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ session_idle_seconds: 2, session_max_seconds: 3600, cookie_secure: true }));
  const s2 = await startServer({ args: ['--config', cfg] });
  try {
    const s = await signedIn(s2, 'stp.canbo1');
    assert.match(s.setCookie, /^__Host-tinhso_session=/);
    assert.match(s.setCookie, /;\s*Secure/);
    assert.equal((await as(s2, s, '/api/v1/me')).status, 200);
    await new Promise((res) => setTimeout(res, 3600));
    assertProblem(await as(s2, s, '/api/v1/me'), 401);
  } finally {
    await s2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
