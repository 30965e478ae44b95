// Passwords an administrator sets are one-time temporary secrets (decisions
// §29), sent to a real server: the new account's first session may only
// change its password; an administrator's reset makes the password
// temporary again and, once the person has changed it, the administrator's
// known password no longer signs in; a single-use reset link works once and
// expires; `tinhso user add` (the operator, password on stdin) is not
// temporary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli } from './lib/server.mjs';
import { assertProblem, auditCount, login, signedIn, as } from './lib/helpers.mjs';

const STP = '000.00.03.H06';
const TEMP = 'mật khẩu tạm thời 01';
const OWN = 'gió lộng đầu non 2025';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.close(); });

function sql(q) {
  return srv.db.psql ? srv.db.psql(q) : srv.db.sqlite(q);
}

async function newColleague(admin, username) {
  const r = await as(srv, admin, '/api/v1/accounts', 'POST', {
    username, full_name: 'Cao Thị Uyên', password: TEMP, role: 'agency_admin', agency_code: STP,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

function resetWithLink(body) {
  return srv.json('/api/v1/auth/password-reset', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
}

test('an account made by an administrator: its first session can only change the password', async () => {
  const admin = await signedIn(srv, 'stp.quantri');
  await newColleague(admin, 'stp.quantri2');
  const s = await signedIn(srv, 'stp.quantri2', TEMP);
  assert.equal(s.body.restricted, 'password_change');
  for (const [path, method, body] of [
    ['/api/v1/accounts', 'GET'],
    ['/api/v1/audit', 'GET'],
    ['/api/v1/tokens', 'POST', { name: 'x', agency_code: STP, permissions: ['officer'] }],
  ]) {
    const r = await as(srv, s, path, method, body);
    assertProblem(r, 403);
    assert.match(r.body.detail, /đổi mật khẩu/);
  }
  const en = await as(srv, s, '/api/v1/accounts', 'GET', undefined, { 'Accept-Language': 'en' });
  assert.match(en.body.detail, /change it before doing anything else/);
  assert.equal((await as(srv, s, '/api/v1/me')).status, 200);
  const ch = await as(srv, s, '/api/v1/me/password', 'POST', { old_password: TEMP, new_password: OWN });
  assert.equal(ch.status, 204, JSON.stringify(ch.body));
  const me = await as(srv, s, '/api/v1/me');
  assert.equal(me.body.restricted, null);
  assert.equal((await as(srv, s, '/api/v1/accounts')).status, 200, 'the same session now works');
  assert.equal((await login(srv, 'stp.quantri2', TEMP)).status, 401, 'the temporary password is gone');
});

test('after an administrator\'s reset and the person\'s change, the administrator\'s known password does not sign in', async () => {
  const admin = await signedIn(srv, 'stp.quantri');
  const id = await newColleague(admin, 'stp.vanthu');
  const first = await signedIn(srv, 'stp.vanthu', TEMP);
  await as(srv, first, '/api/v1/me/password', 'POST', { old_password: TEMP, new_password: OWN });
  const known = 'quản trị viên biết mật khẩu này';
  const r = await as(srv, admin, `/api/v1/accounts/${id}/password`, 'POST', { password: known });
  assert.equal(r.status, 204);
  const s = await signedIn(srv, 'stp.vanthu', known);
  assert.equal(s.body.restricted, 'password_change', 'an admin-set password is temporary');
  assertProblem(await as(srv, s, '/api/v1/accounts'), 403);
  const mine = 'chỉ mình tôi biết thôi';
  assert.equal((await as(srv, s, '/api/v1/me/password', 'POST', { old_password: known, new_password: mine })).status, 204);
  assert.equal((await login(srv, 'stp.vanthu', known)).status, 401, 'the administrator cannot sign in as them');
  const own = await signedIn(srv, 'stp.vanthu', mine);
  assert.equal(own.body.restricted, null);
  const audit = await as(srv, admin, '/api/v1/audit?object_id=stp.vanthu');
  const reset = audit.body.items.find((e) => e.action === 'account.password_reset');
  assert.equal(reset.summary.temporary, true);
  assert.ok(!JSON.stringify(audit.body).includes(known), 'never the password');
});

test('a single-use reset link: shown once, works once, voids earlier links, expires; out-of-scope admins cannot make one', async () => {
  const admin = await signedIn(srv, 'stp.quantri');
  const id = (await signedIn(srv, 'stp.canbo1')).body.account.id;
  const syt = await signedIn(srv, 'syt.quantri');
  assertProblem(await as(srv, syt, `/api/v1/accounts/${id}/password-reset`, 'POST'), 403);
  const before = auditCount(srv.db.url);
  const l1 = await as(srv, admin, `/api/v1/accounts/${id}/password-reset`, 'POST');
  assert.equal(l1.status, 201, JSON.stringify(l1.body));
  assert.match(l1.body.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(l1.body.path, `/#/password-reset?token=${l1.body.token}`);
  assert.ok(l1.body.expires_at > Date.now() / 1000 + 3600);
  assert.equal(auditCount(srv.db.url), before + 1);
  assert.ok(!sql('SELECT token_hash FROM password_resets').includes(l1.body.token), 'stored hashed');
  const l2 = await as(srv, admin, `/api/v1/accounts/${id}/password-reset`, 'POST');
  assertProblem(await resetWithLink({ token: l1.body.token, new_password: OWN }), 422, 'token');
  // the rules apply, and a refused password does not spend the link
  assertProblem(await resetWithLink({ token: l2.body.token, new_password: 'matkhau123' }), 422, 'new_password');
  const ok = await resetWithLink({ token: l2.body.token, new_password: OWN });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  assertProblem(await resetWithLink({ token: l2.body.token, new_password: 'một lần nữa thôi mà' }), 422, 'token');
  const s = await signedIn(srv, 'stp.canbo1', OWN);
  assert.equal(s.body.restricted, null, 'a password the person chose is not temporary');
  // expiry
  const l3 = await as(srv, admin, `/api/v1/accounts/${id}/password-reset`, 'POST');
  sql(`UPDATE password_resets SET expires_at = ${Math.floor(Date.now() / 1000) - 1}`);
  assertProblem(await resetWithLink({ token: l3.body.token, new_password: 'hết hạn rồi còn đâu' }), 422, 'token');
  assert.equal((await login(srv, 'stp.canbo1', 'hết hạn rồi còn đâu')).status, 401);
  assertProblem(await resetWithLink({ token: 'short', new_password: OWN }), 422, 'token');
});

test('tinhso user add sets the person\'s own password: not temporary', async () => {
  const r = cli(['user', 'add', '--db', srv.db.url, '--username', 'op.made', '--name', 'Lâm Văn Tú', '--role', 'officer', '--agency', STP], { input: 'đêm trăng thanh gió mát\n' });
  assert.equal(r.status, 0, r.stderr);
  const s = await signedIn(srv, 'op.made', 'đêm trăng thanh gió mát');
  assert.equal(s.body.restricted, null);
});

test('tinhso user reset-link prints a single-use link once; an unknown username fails', async () => {
  const r = cli(['user', 'reset-link', '--db', srv.db.url, '--username', 'STP.CANBO2']);
  assert.equal(r.status, 0, r.stderr);
  const m = /^\/#\/password-reset\?token=([A-Za-z0-9_-]{43})\n\(single use, valid until \d{4}-\d\d-\d\dT/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const ok = await resetWithLink({ token: m[1], new_password: 'sóng vỗ bờ cát trắng' });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  assertProblem(await resetWithLink({ token: m[1], new_password: 'sóng vỗ bờ cát vàng' }), 422, 'token');
  assert.equal((await signedIn(srv, 'stp.canbo2', 'sóng vỗ bờ cát trắng')).body.restricted, null);
  const none = cli(['user', 'reset-link', '--db', srv.db.url, '--username', 'khong.co']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /khong\.co/);
});
