// Roles mean their scope (issue 8 item 1, docs/decisions.md §30):
// system_admin can only be granted on the root agency (the province), and a
// sub-agency's administrator — even one holding an old system_admin grant on
// their own agency, as the review made — cannot act province-wide: not on
// other agencies' accounts, tokens or audit entries, not on citizens, not on
// the agency tree outside theirs, not on the province's units. The root
// system admin still can.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { assertProblem, signedIn, as } from './lib/helpers.mjs';

const ROOT = '000.00.00.H06';
const STP = '000.00.03.H06'; // Sở Tư pháp
const SYT = '000.00.07.H06'; // Sở Y tế

let srv;
const sql = (q) => (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q));

before(async () => { srv = await startServer(); });
after(async () => { await srv?.close(); });

async function idOf(username) {
  const r = await srv.admin(`/api/v1/accounts?q=${encodeURIComponent(username)}`, 'GET');
  const a = r.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username}`);
  return a.id;
}

test('system_admin is granted only on the root agency: elsewhere 422 naming the field, changing nothing', async () => {
  const root = await signedIn(srv, 'quantri');
  const stpIt = await as(srv, root, '/api/v1/accounts', 'POST', {
    username: 'stp.it', full_name: 'Kiều Văn Tin', password: 'mạng nội bộ sở tư pháp', role: 'system_admin', agency_code: STP,
  });
  assertProblem(stpIt, 422, 'role');
  assert.match(stpIt.body.errors.find((e) => e.field === 'role').message, /cơ quan gốc/);
  assert.equal((await srv.admin('/api/v1/accounts?q=stp.it', 'GET')).body.total, 0, 'no account made');
  // as a grant on an existing account
  const id = await idOf('stp.quantri');
  const g = await as(srv, root, `/api/v1/accounts/${id}/grants`, 'POST', { role: 'system_admin', agency: STP });
  assertProblem(g, 422, 'role');
  const v = await as(srv, root, `/api/v1/accounts/${id}`);
  assert.deepEqual(v.body.grants.map((x) => x.role), ['agency_admin'], 'no grant added');
  // in English too
  const en = await as(srv, root, `/api/v1/accounts/${id}/grants`, 'POST', { role: 'system_admin', agency: STP }, { 'Accept-Language': 'en' });
  assert.match(en.body.errors[0].message, /root agency/);
  // a token carrying it elsewhere
  assertProblem(await as(srv, root, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['system_admin'] }), 422, 'permissions');
  // on the root it is granted
  const ok = await as(srv, root, `/api/v1/accounts/${await idOf('ttpvhcc.quantri')}/grants`, 'POST', { role: 'system_admin', agency: ROOT });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

// The review's attacks, by an administrator of Sở Tư pháp who holds an old
// system_admin grant on it (made before the rule, or a root agency later
// moved under another): it counts as agency_admin there and nothing more.
test('a sub-agency administrator cannot act province-wide (the review\'s attacks), the root system admin can', async () => {
  sql(`INSERT INTO grants (account_id, role, agency_id, created_at, created_by)
       SELECT a.id, 'system_admin', ag.id, '2026-01-01T00:00:00Z', 'legacy' FROM accounts a, agencies ag
       WHERE a.username = 'stp.lanhdao' AND ag.code = '${STP}'`);
  const stp = await signedIn(srv, 'stp.lanhdao');
  assert.ok(stp.body.grants.some((g) => g.role === 'system_admin' && g.agency_code === STP), 'holds the old grant');
  const root = await signedIn(srv, 'quantri');
  const citizen = await idOf('nguoidan1');
  const rootAdmin = await idOf('quantri');
  const sytOfficer = await idOf('syt.canbo1');

  // listing accounts: only those of Sở Tư pháp's subtree, no citizens
  const list = await as(srv, stp, '/api/v1/accounts?limit=200');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length > 0);
  for (const a of list.body.items)
    assert.ok(a.grants.some((g) => g.agency_code.endsWith('.03.H06')), `foreign account listed: ${a.username}`);
  assert.ok(!list.body.items.some((a) => a.kind === 'citizen'));
  assert.ok((await as(srv, root, '/api/v1/accounts?limit=200')).body.items.some((a) => a.username === 'syt.canbo1'));

  // reading the root admin, or Sở Y tế's officer
  assertProblem(await as(srv, stp, `/api/v1/accounts/${rootAdmin}`), 403);
  assertProblem(await as(srv, stp, `/api/v1/accounts/${sytOfficer}`), 403);
  assert.equal((await as(srv, root, `/api/v1/accounts/${sytOfficer}`)).status, 200);

  // the audit log: only Sở Tư pháp's entries
  const audit = await as(srv, stp, '/api/v1/audit?limit=1000');
  assert.equal(audit.status, 200);
  for (const e of audit.body.items) assert.ok(e.agency && e.agency.endsWith('.03.H06'), `foreign entry: ${JSON.stringify(e)}`);
  const all = await as(srv, root, '/api/v1/audit?limit=1000');
  assert.ok(all.body.total > audit.body.total);

  // Sở Y tế's tokens
  const sytAdmin = await signedIn(srv, 'syt.quantri');
  const tok = await as(srv, sytAdmin, '/api/v1/tokens', 'POST', { name: 'Máy chủ Sở Y tế', purpose: 'Báo cáo y tế', agency_code: SYT, permissions: ['agency_admin'] });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  assert.ok(!(await as(srv, stp, '/api/v1/tokens')).body.items.some((t) => t.id === tok.body.id));
  assertProblem(await as(srv, stp, `/api/v1/tokens/${tok.body.id}`, 'DELETE'), 403);
  assert.ok((await as(srv, root, '/api/v1/tokens')).body.items.some((t) => t.id === tok.body.id));

  // resetting a citizen's password (and so signing in as them)
  assertProblem(await as(srv, stp, `/api/v1/accounts/${citizen}/password`, 'POST', { password: 'chiếm tài khoản người dân' }), 403);
  await signedIn(srv, 'nguoidan1'); // the citizen's own password still works
  // disabling or granting anything to Sở Y tế's people
  assertProblem(await as(srv, stp, `/api/v1/accounts/${sytOfficer}`, 'PATCH', { disabled: true }), 403);
  assertProblem(await as(srv, stp, `/api/v1/accounts/${sytOfficer}/grants`, 'POST', { role: 'officer', agency: STP }), 403);
  // granting system_admin, on the root or on their own agency
  const own = await idOf('stp.canbo1');
  assertProblem(await as(srv, stp, `/api/v1/accounts/${own}/grants`, 'POST', { role: 'system_admin', agency: ROOT }), 403);
  assertProblem(await as(srv, stp, `/api/v1/accounts/${own}/grants`, 'POST', { role: 'system_admin', agency: STP }), 403);

  // creating an agency under Sở Y tế
  const agency = { code: '000.01.07.H06', parent_code: SYT, name: 'Phòng Nghiệp vụ Y' };
  assertProblem(await as(srv, stp, '/api/v1/agencies', 'POST', agency), 403);
  // patching unit 24 (the province's reference data: root system admins only)
  assertProblem(await as(srv, stp, '/api/v1/units/24', 'PATCH', { name_en: 'Taken over' }), 403);
  // a token minted by them carries no more
  assertProblem(await as(srv, stp, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: ROOT, permissions: ['agency_admin'] }), 403);

  // inside their own agency they still administer
  const mine = await as(srv, stp, `/api/v1/accounts/${own}`, 'PATCH', { full_name: 'Lê Văn Cường (Sở Tư pháp)' });
  assert.equal(mine.status, 200, JSON.stringify(mine.body));

  // the root system admin can do each of these
  const made = await as(srv, root, '/api/v1/agencies', 'POST', agency);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const unit = await as(srv, root, '/api/v1/units/24', 'PATCH', { name_en: 'Bac Ninh' });
  assert.equal(unit.status, 200, JSON.stringify(unit.body));
  assert.equal((await as(srv, root, `/api/v1/accounts/${citizen}/password`, 'POST', { password: 'mật khẩu mới của người dân' })).status, 204);
  await signedIn(srv, 'nguoidan1', 'mật khẩu mới của người dân');
});
