// Bulk actions on dossiers (POST /api/v1/dossiers/bulk-actions) and whom a
// dossier may be given (GET /api/v1/dossier-assignees), on a real server
// (SQLite, or PostgreSQL with TINHSO_TEST_PG): the centre's leader gives
// two dossiers taken in at the counter to an officer at once; each code
// is its own write, so another agency's dossier, a stale revision, a code
// that does not exist or an assignee from elsewhere fails alone while the
// others are done; a citizen is refused; a malformed body is one 422
// naming the member and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as } from './lib/helpers.mjs';
import { backend } from './lib/server.mjs';

const fx = serverForFile();
const USERS = ['nguoidan1', 'ttpvhcc.canbo1', 'ttpvhcc.canbo2', 'ttpvhcc.lanhdao', 'stp.canbo1', 'stp.lanhdao',
  'syt.canbo1', 'syt.lanhdao'];
const CENTRE = '000.20.01.H06';
const STP = '000.00.03.H06';
const LLTP = '2.000488';

const sessions = {};
async function sess(user) {
  if (!sessions[user]) sessions[user] = await signedIn(fx.srv, user);
  return sessions[user];
}
async function signInAll() { for (const u of USERS) await sess(u); }
const idOf = async (user) => (await sess(user)).body.account.id;
async function bulk(user, body) {
  return as(fx.srv, await sess(user), '/api/v1/dossiers/bulk-actions', 'POST', body);
}
async function get(user, code) {
  const r = await as(fx.srv, await sess(user), `/api/v1/dossiers/${code}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}
// A dossier taken in at the centre's counter (received, at the centre's first step).
async function intake() {
  const r = await as(fx.srv, await sess('ttpvhcc.canbo1'), '/api/v1/dossiers', 'POST', {
    procedure: LLTP, channel: 'counter', applicant_name: 'Trần Văn Bình', applicant_id_number: '027185009876',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('the centre\'s leader gives two dossiers to an officer at once', async () => {
  await signInAll();
  const [a, b] = [await intake(), await intake()];
  // whom they may be given: the centre's officers, by name (not its leader)
  let r = await as(fx.srv, await sess('ttpvhcc.lanhdao'), `/api/v1/dossier-assignees?agency=${CENTRE}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const names = r.body.items.map((p) => p.username);
  assert.ok(names.includes('ttpvhcc.canbo1') && names.includes('ttpvhcc.canbo2'), names.join());
  assert.ok(!names.includes('ttpvhcc.lanhdao') && !names.includes('stp.canbo1'), names.join());
  const ngoc = r.body.items.find((p) => p.username === 'ttpvhcc.canbo2');
  assert.equal(ngoc.full_name, 'Lý Thị Ngọc');
  assert.equal(ngoc.id, await idOf('ttpvhcc.canbo2'));
  r = await as(fx.srv, await sess('ttpvhcc.lanhdao'), `/api/v1/dossier-assignees?agency=${CENTRE}&role=leader`);
  assert.deepEqual(r.body.items.map((p) => p.username), ['ttpvhcc.lanhdao']);

  const a0 = auditCount(fx.srv.db.url);
  r = await bulk('ttpvhcc.lanhdao', { action: 'assign', codes: [a.code, b.code], revs: [a.rev, b.rev], assignee: ngoc.id });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.results, [
    { code: a.code, ok: true, rev: a.rev + 1 },
    { code: b.code, ok: true, rev: b.rev + 1 },
  ]);
  assert.equal(r.body.done, 2);
  assert.equal(r.body.failed, 0);
  assert.equal(auditCount(fx.srv.db.url), a0 + 2, 'one audit entry per dossier');
  for (const d of [a, b]) {
    const now = await get('ttpvhcc.canbo2', d.code);
    assert.equal(now.assignee.id, ngoc.id);
    assert.equal(now.assignee.name, 'Lý Thị Ngọc');
    assert.equal(now.history.at(-1).action, 'assign');
  }
  const mine = await as(fx.srv, await sess('ttpvhcc.canbo2'), '/api/v1/dossiers?queue=mine&limit=200');
  assert.ok([a.code, b.code].every((c) => mine.body.items.some((x) => x.code === c)));
  // without an assignee, an officer of the step takes them for themself (as the single action)
  r = await bulk('ttpvhcc.canbo1', { action: 'assign', codes: [a.code] });
  assert.equal(r.status, 200);
  assert.equal(r.body.results[0].ok, true, JSON.stringify(r.body));
  assert.equal((await get('ttpvhcc.canbo1', a.code)).assignee.id, await idOf('ttpvhcc.canbo1'));
});

test('one failure does not stop the others: another agency, stale, not found, a wrong assignee', async () => {
  await signInAll();
  const [a, b, c] = [await intake(), await intake(), await intake()];
  const cuong = await idOf('stp.canbo1');
  // one of them goes on to Sở Tư pháp: its leader may give that one only
  let r = await as(fx.srv, await sess('ttpvhcc.canbo1'), `/api/v1/dossiers/${c.code}/actions`, 'POST', { action: 'forward' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.handler ?? r.body.steps[r.body.step].agency, STP);
  const a0 = auditCount(fx.srv.db.url);
  r = await bulk('stp.lanhdao', { action: 'assign', codes: [a.code, c.code], assignee: cuong });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.results[0].ok, false);
  assert.equal(r.body.results[0].code, a.code);
  assert.equal(r.body.results[0].problem.status, 403, 'waiting at the centre: not theirs to give');
  assert.match(r.body.results[0].problem.type, /forbidden/);
  assert.ok(r.body.results[0].problem.detail);
  assert.deepEqual(r.body.results[1], { code: c.code, ok: true, rev: r.body.results[1].rev });
  assert.equal((await get('stp.canbo1', c.code)).assignee.id, cuong);
  assert.equal((await get('ttpvhcc.canbo1', a.code)).assignee, null);
  assert.equal(auditCount(fx.srv.db.url), a0 + 1);

  // Sở Y tế's leader: the centre's dossiers do not exist for them
  r = await bulk('syt.lanhdao', { action: 'assign', codes: [a.code, b.code], assignee: await idOf('syt.canbo1') });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.results.map((x) => [x.ok, x.problem.status]), [[false, 404], [false, 404]]);
  assert.equal(r.body.done, 0);
  assert.equal(r.body.failed, 2);

  // a stale revision, a code that does not exist, and a good one
  const ghost = `${CENTRE}-250101-9999`;
  const ngoc = await idOf('ttpvhcc.canbo2');
  r = await bulk('ttpvhcc.lanhdao', { action: 'assign', codes: [a.code, ghost, b.code], revs: [a.rev + 7, 1, b.rev], assignee: ngoc });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const [ra, rg, rb] = r.body.results;
  assert.equal(ra.ok, false);
  assert.equal(ra.problem.status, 409);
  assert.match(ra.problem.detail, new RegExp(`phiên bản ${a.rev}`));
  assert.equal(rg.ok, false);
  assert.equal(rg.problem.status, 404);
  assert.equal(rb.ok, true);
  assert.equal((await get('ttpvhcc.canbo1', b.code)).assignee.id, ngoc);
  assert.equal((await get('ttpvhcc.canbo1', a.code)).assignee, null, 'the stale one is unchanged');

  // an assignee of another agency: 422 naming assignee, item by item
  r = await bulk('ttpvhcc.lanhdao', { action: 'assign', codes: [a.code], assignee: await idOf('syt.canbo1') });
  assert.equal(r.body.results[0].ok, false);
  assert.equal(r.body.results[0].problem.status, 422);
  assert.deepEqual(r.body.results[0].problem.errors.map((e) => e.field), ['assignee']);
  // the problem follows Accept-Language
  r = await as(fx.srv, await sess('ttpvhcc.lanhdao'), '/api/v1/dossiers/bulk-actions', 'POST',
    { action: 'assign', codes: [ghost] }, { 'Accept-Language': 'en' });
  assert.match(r.body.results[0].problem.detail, /not found/);
});

test('a citizen is refused; whom to give a dossier is for the agency\'s own staff', async () => {
  await signInAll();
  const a = await intake();
  const a0 = auditCount(fx.srv.db.url);
  assertProblem(await bulk('nguoidan1', { action: 'assign', codes: [a.code] }), 403);
  assertProblem(await as(fx.srv, await sess('nguoidan1'), `/api/v1/dossier-assignees?agency=${CENTRE}`), 403);
  assertProblem(await as(fx.srv, await sess('syt.canbo1'), `/api/v1/dossier-assignees?agency=${CENTRE}`), 403);
  assertProblem(await as(fx.srv, await sess('ttpvhcc.lanhdao'), '/api/v1/dossier-assignees?agency=000.99.99.H06'), 404);
  assertProblem(await as(fx.srv, await sess('ttpvhcc.lanhdao'), '/api/v1/dossier-assignees'), 400, 'agency');
  assertProblem(await as(fx.srv, await sess('ttpvhcc.lanhdao'), `/api/v1/dossier-assignees?agency=${CENTRE}&role=system_admin`), 400, 'role');
  const r = await fx.srv.json('/api/v1/dossiers/bulk-actions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ action: 'assign', codes: [a.code] }) });
  assertProblem(r, 401);
  assert.equal(auditCount(fx.srv.db.url), a0);
  assert.equal((await get('ttpvhcc.canbo1', a.code)).rev, a.rev);
});

test('a malformed body is one 422 naming the member; nothing changes', async () => {
  await signInAll();
  const a = await intake();
  const ngoc = await idOf('ttpvhcc.canbo2');
  const a0 = auditCount(fx.srv.db.url);
  const bad = async (body, field) => assertProblem(await bulk('ttpvhcc.lanhdao', body), 422, field);
  await bad({ action: 'assign', codes: a.code, assignee: ngoc }, 'codes');
  await bad({ action: 'assign', assignee: ngoc }, 'codes');
  await bad({ action: 'assign', codes: null, assignee: ngoc }, 'codes');
  await bad({ action: 'assign', codes: [], assignee: ngoc }, 'codes');
  const many = Array.from({ length: 101 }, (_, i) => `${CENTRE}-250101-${String(i + 1).padStart(4, '0')}`);
  const r = await bulk('ttpvhcc.lanhdao', { action: 'assign', codes: many, assignee: ngoc });
  assertProblem(r, 422, 'codes');
  assert.match(r.body.errors[0].message, /100/);
  await bad({ action: 'assign', codes: [a.code, 'HS-123'], assignee: ngoc }, 'codes[1]');
  await bad({ action: 'assign', codes: [a.code, 42], assignee: ngoc }, 'codes[1]');
  await bad({ action: 'assign', codes: [a.code, a.code], assignee: ngoc }, 'codes[1]');
  await bad({ action: 'assign', codes: [a.code], revs: [1, 2], assignee: ngoc }, 'revs');
  await bad({ action: 'assign', codes: [a.code], revs: ['7'], assignee: ngoc }, 'revs[0]');
  await bad({ action: 'finish', codes: [a.code] }, 'action');
  await bad({ codes: [a.code] }, 'action');
  await bad({ action: 'assign', codes: [a.code], assignee: 'ngoc' }, 'assignee');
  await bad({ action: 'assign', codes: [a.code], reason: 'x' }, 'reason');
  // a body that is not JSON, or not an object
  assertProblem(await as(fx.srv, await sess('ttpvhcc.lanhdao'), '/api/v1/dossiers/bulk-actions', 'POST', '[1,2]'), 400);
  assert.equal(auditCount(fx.srv.db.url), a0);
  const now = await get('ttpvhcc.canbo1', a.code);
  assert.equal(now.rev, a.rev);
  assert.equal(now.assignee, null);
});

test('a storage failure stops the batch: what was done stays done and says so; the rest fail with it', async (t) => {
  const probe = await fx.srv.fetch('/readyz', { headers: { 'X-Tinhso-Fault': 'step=1' } });
  if (probe.headers.get('x-tinhso-fault') !== 'fired') return t.skip('not a TINHSO_FAULTS build');
  await signInAll();
  const lead = await sess('ttpvhcc.lanhdao');
  const ngoc = await idOf('ttpvhcc.canbo2');
  const [a, b, c] = [await intake(), await intake(), await intake()];
  let seen = null;
  for (let n = 1; n <= 400 && !seen; n++) {
    const r = await as(fx.srv, lead, '/api/v1/dossiers/bulk-actions', 'POST', { action: 'assign', codes: [a.code, b.code, c.code], assignee: ngoc },
      { 'X-Tinhso-Fault': `step=${n}` });
    assert.notEqual(r.headers.get('x-tinhso-fault'), null, `step ${n}: the fault is out of reach before the second code failed`);
    if (r.status >= 500) {
      assertProblem(r, r.status); // the first code's write failed: nothing done
      continue;
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [ra, rb, rc] = r.body.results;
    if (rb.ok) continue; // the fault fell in the first code's answer after its commit? keep going
    assert.equal(ra.ok, true);
    assert.ok(rb.problem.status >= 500, JSON.stringify(rb));
    assert.equal(rc.ok, false, 'not tried after the failure');
    assert.equal(rc.problem.status, rb.problem.status);
    assert.equal(r.body.done, 1);
    seen = { ra, rb };
  }
  assert.ok(seen, 'a run where the first code was done and the second failed');
  assert.equal((await get('ttpvhcc.canbo1', a.code)).rev, seen.ra.rev);
  assert.equal((await get('ttpvhcc.canbo1', c.code)).assignee, null, 'the third was not tried');
});

test(`runs on ${backend}`, () => assert.ok(backend));
