// Account administration: listing and viewing people by agency subtree,
// editing and disabling (sessions revoked, sign-in refused, re-enable),
// adding and removing role grants (409 duplicate, scope, system_admin only
// by a system admin), administrator password reset; citizens and officers
// refused everywhere; CSRF on cookie writes; exactly one audit entry per
// success and none per failure; hostile input.
// Uses the demo sign-ins created by `tinhso demo` (password DEMO_PW).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli } from './lib/server.mjs';
import { DEMO_PW, assertProblem, auditCount, login, signedIn, as } from './lib/helpers.mjs';

const ROOT = '000.00.00.H06';
const STP = '000.00.03.H06'; // Sở Tư pháp
const STP_DIV = '000.01.03.H06'; // a division under Sở Tư pháp
const SYT = '000.00.07.H06'; // Sở Y tế
const NEW_PW = 'trống đồng Đông Sơn';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.close(); });

// entries of changes: the security events the server writes on its own
// after each minute (403s and CSRF failures of these very tests) left out
const auditTotal = async () => auditCount(srv.db.url);

// Run fn and check it added exactly `n` audit entries (and return its result).
async function audited(n, fn) {
  const before = await auditTotal();
  const r = await fn();
  assert.equal(await auditTotal() - before, n, `audit entries added (want ${n}): ${String(JSON.stringify(r?.body)).slice(0, 300)}`);
  return r;
}

async function idOf(username) {
  const r = await srv.admin(`/api/v1/accounts?q=${encodeURIComponent(username)}&limit=200`, 'GET');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const a = r.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username} listed`);
  return a.id;
}

let seq = 0;
async function newOfficer(admin, agency = STP_DIV, role = 'officer') {
  const username = `stp.moi${++seq}`;
  const r = await as(srv, admin, '/api/v1/accounts', 'POST', { username, full_name: `Nguyễn Văn Mới ${seq}`, password: DEMO_PW + '!x', role, agency_code: agency });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, username, password: DEMO_PW + '!x' };
}

// ------------------------------------------------------------------ listing

test('list: agency admin sees own subtree with grants and paging; another agency is 403', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const r = await audited(0, () => as(srv, stp, `/api/v1/accounts?agency=${STP}`));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const names = r.body.items.map((a) => a.username);
  for (const u of ['stp.quantri', 'stp.canbo1', 'stp.canbo2', 'stp.lanhdao']) assert.ok(names.includes(u), `${u} listed`);
  assert.ok(!names.some((u) => u.startsWith('syt.') || u.startsWith('nguoidan') || u === 'quantri'), names.join());
  assert.equal(r.body.total, r.body.items.length);
  assert.equal(r.body.limit, 50);
  assert.equal(r.body.offset, 0);
  const c1 = r.body.items.find((a) => a.username === 'stp.canbo1');
  assert.equal(c1.full_name, 'Lê Văn Cường');
  assert.equal(c1.disabled, false);
  assert.equal(c1.kind, 'officer');
  assert.match(c1.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(c1.password_hash, undefined);
  assert.deepEqual(c1.grants.map((g) => [g.role, g.agency_code, g.agency_name]), [['officer', STP, 'Sở Tư pháp']]);
  assert.ok(Number.isInteger(c1.grants[0].id));
  // paging
  const p = await as(srv, stp, `/api/v1/accounts?agency=${STP}&limit=2&offset=1`);
  assert.deepEqual(p.body.items.map((a) => a.id), r.body.items.slice(1, 3).map((a) => a.id));
  assert.equal(p.body.total, r.body.total);
  // q ignores case and diacritics, on full name and username
  for (const q of ['cuong', 'LÊ VĂN CƯỜNG', 'canbo1']) {
    const f = await as(srv, stp, `/api/v1/accounts?agency=${STP}&q=${encodeURIComponent(q)}`);
    assert.deepEqual(f.body.items.map((a) => a.username), ['stp.canbo1'], q);
    assert.equal(f.body.total, 1);
  }
  // without agency: own subtree; kind=citizen: none
  const own = await as(srv, stp, '/api/v1/accounts');
  assert.deepEqual(own.body.items.map((a) => a.id), r.body.items.map((a) => a.id));
  assert.equal((await as(srv, stp, '/api/v1/accounts?kind=citizen')).body.total, 0);
  // another agency, unknown agency, bad parameters
  assertProblem(await as(srv, stp, `/api/v1/accounts?agency=${SYT}`), 403);
  assertProblem(await as(srv, stp, `/api/v1/accounts?agency=${ROOT}`), 403);
  assertProblem(await as(srv, stp, '/api/v1/accounts?agency=999.99.99.H99'), 404, 'agency');
  assertProblem(await as(srv, stp, '/api/v1/accounts?kind=robot'), 400, 'kind');
  assertProblem(await as(srv, stp, '/api/v1/accounts?limit=0'), 400, 'limit');
  assertProblem(await as(srv, stp, '/api/v1/accounts?limit=201'), 400, 'limit');
});

test('list: system admin sees any agency and, without one, citizens too', async () => {
  const sa = await signedIn(srv, 'quantri');
  const syt = await as(srv, sa, `/api/v1/accounts?agency=${SYT}`);
  assert.equal(syt.status, 200);
  assert.ok(syt.body.items.every((a) => a.username.startsWith('syt.')), JSON.stringify(syt.body.items.map((a) => a.username)));
  const cit = await as(srv, sa, '/api/v1/accounts?kind=citizen&q=nguoidan');
  assert.deepEqual(cit.body.items.map((a) => a.username).sort(), ['nguoidan1', 'nguoidan2']);
  assert.deepEqual(cit.body.items[0].grants, []);
  const all = await as(srv, sa, '/api/v1/accounts?limit=200');
  assert.ok(all.body.total >= 17);
});

test('get one: visible when a grant is in the subtree; citizens only to system admins', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const id = await idOf('stp.canbo1');
  const r = await as(srv, stp, `/api/v1/accounts/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.username, 'stp.canbo1');
  assert.equal(r.body.grants[0].agency_code, STP);
  assertProblem(await as(srv, stp, `/api/v1/accounts/${await idOf('syt.canbo1')}`), 403);
  const citizen = await idOf('nguoidan1');
  assertProblem(await as(srv, stp, `/api/v1/accounts/${citizen}`), 403);
  const sa = await signedIn(srv, 'quantri');
  assert.equal((await as(srv, sa, `/api/v1/accounts/${citizen}`)).body.kind, 'citizen');
  assertProblem(await as(srv, stp, '/api/v1/accounts/99999999'), 404);
  assertProblem(await as(srv, stp, '/api/v1/accounts/abc'), 404);
});

// ------------------------------------------------------------------ lifecycle

test('agency admin creates an officer, disables them (session 401, sign-in refused), re-enables', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const o = await newOfficer(stp);
  const os = await signedIn(srv, o.username, o.password);
  assert.equal((await as(srv, os, '/api/v1/me')).status, 200);
  const off = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}`, 'PATCH', { disabled: true }));
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.disabled, true);
  assertProblem(await as(srv, os, '/api/v1/me'), 401);
  assertProblem(await login(srv, o.username, o.password), 401);
  const on = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}`, 'PATCH', { disabled: false }));
  assert.equal(on.body.disabled, false);
  const again = await signedIn(srv, o.username, o.password);
  assert.equal((await as(srv, again, '/api/v1/me')).status, 200);
  // the audit entry names the change, never a password
  const a = await srv.admin(`/api/v1/audit?object_type=account&object_id=${o.username}&limit=20`, 'GET');
  const upd = a.body.items.filter((e) => e.action === 'account.update');
  assert.equal(upd.length, 2);
  assert.equal(upd[0].agency, STP_DIV);
  assert.equal(upd[0].actor, `user:${await idOf('stp.quantri')}`);
  assert.doesNotMatch(JSON.stringify(a.body), /TinhSo@2025demo/);
});

test('patch: profile fields, null clears, own account cannot be disabled, scope', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const o = await newOfficer(stp);
  const r = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}`, 'PATCH', { full_name: '  Trần Thị Mới  ', email: 'moi@stp.bacninh.gov.vn', phone: '0222 3 822 555' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.full_name, 'Trần Thị Mới');
  assert.equal(r.body.email, 'moi@stp.bacninh.gov.vn');
  const cleared = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}`, 'PATCH', { email: null }));
  assert.equal(cleared.body.email, null);
  assert.equal(cleared.body.phone, '0222 3 822 555');
  const me = await idOf('stp.quantri');
  await audited(0, async () => {
    assertProblem(await as(srv, stp, `/api/v1/accounts/${me}`, 'PATCH', { disabled: true }), 422, 'disabled');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${await idOf('syt.canbo1')}`, 'PATCH', { full_name: 'X' }), 403);
    // quantri (system admin) is out of an agency admin's reach
    assertProblem(await as(srv, stp, `/api/v1/accounts/${await idOf('quantri')}`, 'PATCH', { disabled: true }), 403);
    assertProblem(await as(srv, stp, '/api/v1/accounts/99999999', 'PATCH', { full_name: 'X' }), 404);
  });
  const self = await as(srv, stp, '/api/v1/me');
  assert.equal(self.status, 200, 'still signed in');
  // the bootstrap token may disable (it is not an account)
  assert.equal((await srv.admin(`/api/v1/accounts/${o.id}`, 'PATCH', { disabled: true })).status, 200);
});

// ------------------------------------------------------------------ grants

test('grants: add (sessions revoked), duplicate 409, outside subtree 403, system_admin only by a system admin, remove', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const o = await newOfficer(stp);
  const os = await signedIn(srv, o.username, o.password);
  const add = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'leader', agency: STP_DIV }));
  assert.equal(add.status, 201, JSON.stringify(add.body));
  assert.deepEqual(add.body.grants.map((g) => g.role).sort(), ['leader', 'officer']);
  assertProblem(await as(srv, os, '/api/v1/me'), 401);
  const leader = add.body.grants.find((g) => g.role === 'leader');
  const syt = await signedIn(srv, 'syt.quantri');
  const off = await signedIn(srv, 'stp.canbo1');
  const sa = await signedIn(srv, 'quantri');
  await audited(0, async () => {
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'leader', agency: STP_DIV }), 409);
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'officer', agency: SYT }), 403);
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'system_admin', agency: STP }), 403);
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'root', agency: STP }), 422, 'role');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'officer', agency: '999.99.99.H99' }), 422, 'agency');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'officer' }), 422, 'agency');
    // Sở Y tế's admin can neither grant on this account nor remove its grants
    assertProblem(await as(srv, syt, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'officer', agency: SYT }), 403);
    assertProblem(await as(srv, syt, `/api/v1/accounts/${o.id}/grants/${leader.id}`, 'DELETE'), 403);
    // an officer cannot grant
    assertProblem(await as(srv, off, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'officer', agency: STP }), 403);
    // citizens get no roles
    assertProblem(await as(srv, sa, `/api/v1/accounts/${await idOf('nguoidan1')}/grants`, 'POST', { role: 'officer', agency: STP }), 422, 'role');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants/99999999`, 'DELETE'), 404);
  });
  // the system admin grants system_admin, and removes it again
  const sys = await audited(1, () => as(srv, sa, `/api/v1/accounts/${o.id}/grants`, 'POST', { role: 'system_admin', agency: ROOT }));
  assert.equal(sys.status, 201, JSON.stringify(sys.body));
  const sg = sys.body.grants.find((g) => g.role === 'system_admin');
  // now the account is beyond the agency admin: neither edit nor grant removal of system_admin
  await audited(0, async () => {
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}`, 'PATCH', { full_name: 'X' }), 403);
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/grants/${sg.id}`, 'DELETE'), 403);
  });
  assert.equal((await audited(1, () => as(srv, sa, `/api/v1/accounts/${o.id}/grants/${sg.id}`, 'DELETE'))).status, 204);
  const del = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}/grants/${leader.id}`, 'DELETE'));
  assert.equal(del.status, 204, JSON.stringify(del.body));
  assertProblem(await audited(0, () => as(srv, stp, `/api/v1/accounts/${o.id}/grants/${leader.id}`, 'DELETE')), 404);
  const after = await as(srv, stp, `/api/v1/accounts/${o.id}`);
  assert.deepEqual(after.body.grants.map((g) => [g.role, g.agency_code]), [['officer', STP_DIV]]);
  const again = await signedIn(srv, o.username, o.password);
  assert.deepEqual(again.body.grants.map((g) => g.role), ['officer']);
});

// ------------------------------------------------------------------ password reset

test('password reset: rules checked, sessions revoked, new password works', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const o = await newOfficer(stp);
  const os = await signedIn(srv, o.username, o.password);
  const syt = await signedIn(srv, 'syt.quantri');
  await audited(0, async () => {
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/password`, 'POST', { password: 'matkhau123' }), 422, 'password');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/password`, 'POST', { password: `${o.username}-2025!` }), 422, 'password');
    assertProblem(await as(srv, stp, `/api/v1/accounts/${o.id}/password`, 'POST', {}), 422, 'password');
    assertProblem(await as(srv, syt, `/api/v1/accounts/${o.id}/password`, 'POST', { password: NEW_PW }), 403);
  });
  assert.equal((await as(srv, os, '/api/v1/me')).status, 200, 'failures changed nothing');
  const r = await audited(1, () => as(srv, stp, `/api/v1/accounts/${o.id}/password`, 'POST', { password: NEW_PW }));
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assertProblem(await as(srv, os, '/api/v1/me'), 401);
  assertProblem(await login(srv, o.username, o.password), 401);
  await signedIn(srv, o.username, NEW_PW);
  const a = await srv.admin(`/api/v1/audit?object_type=account&object_id=${o.username}&limit=20`, 'GET');
  assert.ok(a.body.items.some((e) => e.action === 'account.password_reset'));
  assert.doesNotMatch(JSON.stringify(a.body), /trống đồng/);
});

// ------------------------------------------------------------------ refusals

test('citizens and officers get 403 on every administration route; anonymous 401', async () => {
  const target = await idOf('stp.canbo2');
  const routes = [
    ['GET', `/api/v1/accounts?agency=${STP}`], ['GET', '/api/v1/accounts'], ['GET', `/api/v1/accounts/${target}`],
    ['PATCH', `/api/v1/accounts/${target}`, { disabled: true }],
    ['POST', `/api/v1/accounts/${target}/grants`, { role: 'officer', agency: STP }],
    ['DELETE', `/api/v1/accounts/${target}/grants/1`],
    ['POST', `/api/v1/accounts/${target}/password`, { password: NEW_PW }],
  ];
  const citizen = await signedIn(srv, 'nguoidan1');
  const officer = await signedIn(srv, 'stp.canbo1');
  const leader = await signedIn(srv, 'stp.lanhdao');
  await audited(0, async () => {
    for (const [m, p, b] of routes) {
      for (const who of [citizen, officer, leader]) assertProblem(await as(srv, who, p, m, b), 403);
      assertProblem(await srv.json(p, { method: m, headers: b ? { 'Content-Type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined }), 401);
    }
  });
  assert.equal((await login(srv, 'stp.canbo2')).status, 200, 'nothing changed');
});

test('CSRF: cookie writes without the token are 403 and change nothing', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const id = await idOf('stp.canbo2');
  await audited(0, async () => {
    for (const extra of [{ 'X-CSRF-Token': '' }, { 'X-CSRF-Token': 'wrong' }]) {
      assertProblem(await as(srv, stp, `/api/v1/accounts/${id}`, 'PATCH', { disabled: true }, extra), 403);
      assertProblem(await as(srv, stp, `/api/v1/accounts/${id}/grants`, 'POST', { role: 'leader', agency: STP }, extra), 403);
      assertProblem(await as(srv, stp, `/api/v1/accounts/${id}/password`, 'POST', { password: NEW_PW }, extra), 403);
    }
  });
  const r = await as(srv, stp, `/api/v1/accounts/${id}`);
  assert.equal(r.body.disabled, false);
  assert.equal(r.body.grants.length, 1);
});

// ------------------------------------------------------------------ hostile input

test('hostile input: unknown fields, wrong types, overlong names; script and SQL stored verbatim', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const o = await newOfficer(stp);
  const p = `/api/v1/accounts/${o.id}`;
  await audited(0, async () => {
    assertProblem(await as(srv, stp, p, 'PATCH', { username: 'root' }), 422, 'username');
    assertProblem(await as(srv, stp, p, 'PATCH', { password: 'x', full_name: 'Y' }), 422, 'password');
    assertProblem(await as(srv, stp, p, 'PATCH', { disabled: 'yes' }), 422, 'disabled');
    assertProblem(await as(srv, stp, p, 'PATCH', { disabled: null }), 422, 'disabled');
    assertProblem(await as(srv, stp, p, 'PATCH', { full_name: null }), 422, 'full_name');
    assertProblem(await as(srv, stp, p, 'PATCH', { full_name: 'Đ'.repeat(201) }), 422, 'full_name');
    assertProblem(await as(srv, stp, p, 'PATCH', { full_name: '   ' }), 422, 'full_name');
    assertProblem(await as(srv, stp, p, 'PATCH', { email: 'not-an-email' }), 422, 'email');
    assertProblem(await as(srv, stp, p, 'PATCH', { phone: '12ab' }), 422, 'phone');
    assertProblem(await as(srv, stp, p, 'PATCH', '{"full_name": '), 400);
    assertProblem(await as(srv, stp, p, 'PATCH', '[1,2]'), 400);
    assertProblem(await as(srv, stp, p, 'PATCH', { full_name: 'A', full_name2: 'B' }), 422, 'full_name2');
    assertProblem(await as(srv, stp, `${p}/grants`, 'POST', { role: 'officer', agency: STP, extra: 1 }), 422, 'extra');
    assertProblem(await as(srv, stp, `${p}/password`, 'POST', { password: NEW_PW, old_password: 'x' }), 422, 'old_password');
    assertProblem(await as(srv, stp, p, 'PATCH', { full_name: 'x' }, { 'Content-Type': 'text/plain' }), 415);
  });
  const name = `Robert'); DROP TABLE accounts;-- <script>alert(1)</script>`;
  const r = await audited(1, () => as(srv, stp, p, 'PATCH', { full_name: name }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.full_name, name);
  assert.equal((await as(srv, stp, p)).body.full_name, name);
  const q = await as(srv, stp, `/api/v1/accounts?q=${encodeURIComponent("'); DROP TABLE")}`);
  assert.deepEqual(q.body.items.map((a) => a.id), [o.id]);
  const pct = await as(srv, stp, `/api/v1/accounts?q=${encodeURIComponent('%')}`);
  assert.equal(pct.body.total, 0);
  assertProblem(await as(srv, stp, `/api/v1/accounts?q=${'a'.repeat(201)}`), 400, 'q');
  assert.equal((await login(srv, 'stp.canbo1')).status, 200, 'accounts table intact');
});

test('the audit chain verifies after all of it', async () => {
  const r = cli(['audit', 'verify', '--db', srv.db.url]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
});
