// The national portal's feed of dossier changes over HTTP, on a real server
// (SQLite, or PostgreSQL with TINHSO_TEST_PG): dossiers filed online, at the
// counter, by post and at a commune are moved through their actions,
// interleaved; an integration job polls GET /api/v1/integration/dossier-changes
// page by page with a small limit and must see every change exactly once,
// oldest first, with the status codes, dates, fee and flags each change left
// (not the dossier's later state); its cursor resumes where it stopped.
// Around that: who may read it (a system admin: everything; an agency admin:
// its subtree, 403 for another's; officers, leaders and citizens 403) and
// malformed parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, serverForFile, signedIn, as } from './lib/helpers.mjs';
import { backend } from './lib/server.mjs';
import { makePdf } from './lib/files.mjs';

const fx = serverForFile();
const FEED = '/api/v1/integration/dossier-changes';
const ROOT = '000.00.00.H06';
const CENTRE = '000.20.01.H06';
const STP = '000.00.03.H06';
const SYT = '000.00.07.H06';
const LLTP = '2.000488'; // received by the centre, implemented by Sở Tư pháp, 4 steps
const BIRTH = '1.001193'; // a commune's
const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d\+07:00$/;

const sessions = {};
async function sess(user) {
  if (!sessions[user]) sessions[user] = await signedIn(fx.srv, user);
  return sessions[user];
}
async function act(user, code, body) {
  const r = await as(fx.srv, await sess(user), `/api/v1/dossiers/${code}/actions`, 'POST', body);
  assert.equal(r.status, 200, `${body.action} by ${user}: ${JSON.stringify(r.body)}`);
  return r.body;
}
async function upload(user, draftId, bytes, q = {}) {
  const s = await sess(user);
  const p = new URLSearchParams({ component: '0', ...q });
  const headers = { Cookie: `tinhso_session=${s.cookie}`, 'X-CSRF-Token': s.csrf };
  if (bytes) headers['Content-Type'] = 'application/pdf';
  const r = await fx.srv.json(`/api/v1/drafts/${draftId}/files?${p}`, { method: 'POST', headers, body: bytes });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
// An online filing of nguoidan1's with its declaration uploaded (or reused
// from the document store: reuse = a SHA-256).
async function fileOnline(reuse) {
  const citizen = await sess('nguoidan1');
  const d = await as(fx.srv, citizen, '/api/v1/drafts', 'POST', { procedure: LLTP, applicant_id_number: '001190012345' });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  if (reuse) await upload('nguoidan1', d.body.id, undefined, { reuse });
  else await upload('nguoidan1', d.body.id, makePdf(`To khai ${Date.now()} ${Math.random()}`), { filename: 'tờ khai.pdf' });
  const r = await as(fx.srv, citizen, `/api/v1/drafts/${d.body.id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function intake(body, user = 'ttpvhcc.canbo1') {
  const r = await as(fx.srv, await sess(user), '/api/v1/dossiers', 'POST', {
    procedure: LLTP, channel: 'counter', applicant_name: 'Lê Thị Mai', applicant_id_number: '027185001234', ...body,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
function feed(user, query = {}) {
  const q = new URLSearchParams(query);
  const path = `${FEED}${q.size ? `?${q}` : ''}`;
  return user === 'token' ? fx.srv.admin(path, 'GET') : sess(user).then((s) => as(fx.srv, s, path));
}
// Poll from cursor `after` to the end, `limit` at a time: every item, the
// pages' sizes and the last cursor.
async function drain(user, after, limit, extra = {}) {
  const items = [];
  const sizes = [];
  for (let guard = 0; guard < 1000; guard++) {
    const r = await feed(user, { after: String(after), limit: String(limit), ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.items.length <= limit);
    assert.equal(r.body.limit, limit);
    items.push(...r.body.items);
    sizes.push(r.body.items.length);
    if (r.body.items.length) assert.equal(r.body.next, r.body.items.at(-1).id, 'next is the last id');
    else assert.equal(r.body.next, after, 'an empty page keeps the cursor');
    after = r.body.next;
    if (!r.body.more) return { items, sizes, next: after };
  }
  throw new Error('the feed never ended');
}

// Filled by the first test, read by the others.
const seen = { start: 0, codes: {} };

test('every change appears exactly once, in order, with the fields it left; the cursor resumes', async () => {
  for (const u of ['nguoidan1', 'ttpvhcc.canbo1', 'stp.canbo1', 'stp.lanhdao', 'xa1.canbo', 'quantri']) await sess(u);
  seen.start = (await drain('quantri', 0, 1000)).next;

  // A: online, through every kind of change; B, C, D and E interleaved with it
  const a = await fileOnline();
  let cur = await act('ttpvhcc.canbo1', a.code, { action: 'receive', rev: a.rev });
  const b = await intake({});
  cur = await act('ttpvhcc.canbo1', a.code, { action: 'forward' });
  await act('stp.canbo1', a.code, { action: 'assign' }); // not in the feed
  const c = await intake({ channel: 'post' });
  await act('stp.canbo1', a.code, { action: 'request_supplement', reason: 'Tờ khai chưa có chữ ký' });
  await act('ttpvhcc.canbo1', b.code, { action: 'withdraw', reason: 'Người nộp đề nghị rút' });
  await act('nguoidan1', a.code, { action: 'supplement' });
  await act('stp.canbo1', a.code, { action: 'fee_due', amount_vnd: 200000 });
  // paid by bank transfer, confirmed at the desk (an online payment comes only from a gateway's callback)
  await act('ttpvhcc.canbo1', a.code, { action: 'pay', way: 'bank_transfer', reference: 'FT26338000123' });
  const units = await fx.srv.json('/api/v1/agencies?kind=commune_committee&limit=1');
  const commune = units.body.items[0];
  const e = await intake({ procedure: BIRTH, unit: commune.unit_code }, 'xa1.canbo');
  await act('stp.canbo1', a.code, { action: 'forward' });
  await act('stp.lanhdao', a.code, { action: 'forward' });
  await act('ttpvhcc.canbo1', a.code, { action: 'finish', result_number: '77/LLTP', signer: 'Hoàng Văn Em' });
  await act('ttpvhcc.canbo1', a.code, { action: 'return', way: 'online' });
  const d = await fileOnline(a.files[0].sha256); // the declaration taken from the store
  await act('nguoidan1', a.code, { action: 'rate', rating: 4 });
  Object.assign(seen.codes, { a: a.code, b: b.code, c: c.code, d: d.code, e: e.code, commune: commune.code });

  // the job polls three at a time
  const all = await drain('quantri', seen.start, 3);
  const ids = all.items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((p, q) => p - q), 'oldest first');
  assert.equal(new Set(ids).size, ids.length, 'each change once');
  assert.ok(all.sizes.slice(0, -1).every((n) => n === 3), `full pages but the last: ${all.sizes}`);
  const of = (code) => all.items.filter((x) => x.code === code);
  assert.equal(all.items.length, 12 + 2 + 1 + 1 + 1, 'A 12 (no assign), B 2, C 1, D 1, E 1');
  assert.deepEqual(of(a.code).map((x) => x.action),
    ['submit', 'receive', 'forward', 'request_supplement', 'supplement', 'fee_due', 'pay', 'forward', 'forward',
      'finish', 'return', 'rate']);
  assert.deepEqual(of(a.code).map((x) => x.status), [1, 2, 4, 5, 4, 6, 4, 4, 4, 9, 10, 10]);
  assert.deepEqual(of(a.code).map((x) => x.from_status), [0, 1, 2, 4, 5, 4, 6, 4, 4, 4, 9, 10]);
  assert.deepEqual(of(b.code).map((x) => [x.action, x.status, x.channel_code]), [['intake', 2, 1], ['withdraw', 7, 1]]);
  assert.deepEqual(of(c.code).map((x) => [x.action, x.status, x.channel_code, x.channel]), [['intake', 2, 3, 'post']]);
  // the order across dossiers is the order of the writes
  const order = all.items.map((x) => `${x.code === a.code ? 'A' : x.code === b.code ? 'B' : x.code === c.code ? 'C' : x.code === d.code ? 'D' : 'E'}:${x.action}`);
  assert.deepEqual(order, ['A:submit', 'A:receive', 'B:intake', 'A:forward', 'C:intake', 'A:request_supplement',
    'B:withdraw', 'A:supplement', 'A:fee_due', 'A:pay', 'E:intake', 'A:forward', 'A:forward', 'A:finish', 'A:return',
    'D:submit', 'A:rate']);

  // the portal's fields of A, change by change
  const [sub, rec, fwd, sup, back, fee, pay, , , fin, ret, rate] = of(a.code);
  for (const x of of(a.code)) {
    assert.equal(x.procedure_code, LLTP);
    assert.equal(x.receiving_agency, CENTRE);
    assert.equal(x.implementing_agency, STP);
    assert.equal(x.channel_code, 2);
    assert.equal(x.applicant_kind, 'citizen');
    assert.equal(x.digitised, true, 'its declaration is a file');
    assert.equal(x.reused, false);
    assert.match(x.changed_at, LOCAL);
    assert.match(x.changed_at_exact, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(x.submitted_at, LOCAL);
    for (const k of ['applicant_name', 'applicant_id_number', 'actor', 'actor_name', 'reason'])
      assert.ok(!(k in x), `no ${k}`);
  }
  assert.ok(!JSON.stringify(all.items).includes('001190012345'), 'no identity number anywhere');
  assert.ok(!JSON.stringify(all.items).includes('Nguyễn Thị Thu'), 'no applicant name anywhere');
  assert.equal(sub.status_name, 'Mới đăng ký');
  assert.equal(sub.received_at, null, 'not received when it was submitted');
  assert.equal(sub.due_at, null);
  assert.equal(sub.acting_agency, null, 'the applicant filed it');
  assert.equal(rec.received_at, cur.received_at);
  assert.match(rec.due_at, LOCAL);
  assert.equal(rec.acting_agency, CENTRE);
  assert.equal(fwd.step, 1);
  assert.equal(fwd.acting_agency, CENTRE);
  assert.equal(sup.due_at, null, 'the clock stands while a supplement is awaited');
  assert.equal(sup.supplements, 1);
  assert.equal(rec.supplements, 0);
  assert.match(back.due_at, LOCAL);
  assert.ok(back.due_at >= rec.due_at);
  assert.equal(fee.fee_vnd, 200000);
  assert.equal(fee.paid_online, false, 'not paid yet when the fee was asked');
  assert.equal(fee.paid_at, null);
  assert.equal(rec.fee_vnd, 0);
  assert.equal(pay.paid_online, false, 'a bank transfer is not an online payment');
  assert.match(pay.paid_at, LOCAL);
  assert.equal(pay.status_word, 'processing');
  assert.equal(pay.finished_at, null, 'not finished when it was paid');
  assert.match(fin.finished_at, LOCAL);
  assert.equal(fin.returned_at, null);
  assert.equal(fin.result_online, false);
  assert.match(ret.returned_at, LOCAL);
  assert.equal(ret.result_online, true);
  assert.equal(ret.rating, null, 'not rated when it was returned');
  assert.equal(rate.rating, 4);
  assert.equal(rate.acting_agency, null);
  const [dsub] = of(d.code);
  assert.equal(dsub.reused, true, 'the paper came from the store');
  assert.equal(dsub.digitised, true);
  const [esub] = of(e.code);
  assert.equal(esub.receiving_agency, commune.code);
  assert.equal(esub.implementing_agency, commune.code);

  // resume: from the cursor after the second page, the rest, the same
  const first2 = await drain('quantri', seen.start, 3);
  const cut = first2.items[5].id;
  const rest = await drain('quantri', cut, 4);
  assert.deepEqual(rest.items, all.items.slice(6));
  // at the end: nothing, the cursor stays; one more change comes after it
  let r = await feed('quantri', { after: String(all.next) });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items, []);
  assert.equal(r.body.next, all.next);
  assert.equal(r.body.more, false);
  assert.equal(r.body.limit, 200, 'the default limit');
  await act('ttpvhcc.canbo1', c.code, { action: 'forward' });
  r = await feed('quantri', { after: String(all.next) });
  assert.deepEqual(r.body.items.map((x) => [x.code, x.action, x.status, x.step]), [[c.code, 'forward', 4, 1]]);
  assert.equal(r.body.next, r.body.items[0].id);
  // the API token of the bootstrap (system admin) reads the same
  const t = await drain('token', seen.start, 1000);
  assert.deepEqual(t.items.slice(0, all.items.length), all.items);
});

test('an agency admin reads its subtree only: another agency is 403; officers, leaders and citizens 403', async () => {
  const { a, e, commune } = seen.codes;
  assert.ok(a, 'the first test filed the dossiers');
  const codes = (items) => new Set(items.map((x) => x.code));
  // Sở Tư pháp implements A: its admin sees it, not the commune's E
  let got = await drain('stp.quantri', seen.start, 1000);
  assert.ok(codes(got.items).has(a));
  assert.ok(!codes(got.items).has(e), 'not a commune dossier');
  assert.ok(got.items.every((x) => x.receiving_agency === CENTRE || x.implementing_agency === STP));
  got = await drain('stp.quantri', seen.start, 1000, { agency: STP });
  assert.ok(codes(got.items).has(a));
  // the centre receives A: its admin sees it too
  got = await drain('ttpvhcc.quantri', seen.start, 1000);
  assert.ok(codes(got.items).has(a));
  assert.ok(!codes(got.items).has(e));
  // Sở Y tế has none of them
  got = await drain('syt.quantri', seen.start, 1000);
  assert.deepEqual(got.items, []);
  // the province's admin narrows to one commune
  got = await drain('quantri', seen.start, 1000, { agency: commune });
  assert.deepEqual([...codes(got.items)], [e]);
  // another agency's subtree, or the province: 403
  assertProblem(await feed('syt.quantri', { agency: STP }), 403);
  assertProblem(await feed('stp.quantri', { agency: ROOT }), 403);
  assertProblem(await feed('stp.quantri', { agency: CENTRE }), 403);
  assertProblem(await feed('ttpvhcc.quantri', { agency: SYT }), 403);
  // an integration job's API token: agency_admin on the province's root, made by its admin
  const mk = await as(fx.srv, await sess('quantri'), '/api/v1/tokens', 'POST',
    { name: 'portal-sync', purpose: 'Đồng bộ Cổng DVC quốc gia', agency_code: ROOT, permissions: ['agency_admin'] });
  assert.equal(mk.status, 201, JSON.stringify(mk.body));
  const viaToken = await fx.srv.json(`${FEED}?after=${seen.start}&limit=1000`, { headers: { Authorization: `Bearer ${mk.body.token}` } });
  assert.equal(viaToken.status, 200, JSON.stringify(viaToken.body));
  assert.ok(codes(viaToken.body.items).has(a) && codes(viaToken.body.items).has(e), 'the province');
  // a token of the same admin with only officer and leader: the token's roles count, 403
  const off = await as(fx.srv, await sess('quantri'), '/api/v1/tokens', 'POST',
    { name: 'staff', purpose: 'Bảng điều khiển', agency_code: ROOT, permissions: ['officer', 'leader'] });
  assert.equal(off.status, 201, JSON.stringify(off.body));
  assertProblem(await fx.srv.json(FEED, { headers: { Authorization: `Bearer ${off.body.token}` } }), 403);
  // the wrong role
  for (const u of ['nguoidan1', 'ttpvhcc.canbo1', 'stp.canbo1', 'stp.lanhdao', 'xa1.canbo'])
    assertProblem(await feed(u), 403);
  assertProblem(await fx.srv.json(FEED), 401);
});

test('malformed parameters: 400 naming the field; an unknown agency 404 naming it', async () => {
  for (const after of ['abc', '-1', '1.5', '', '12x', '99999999999999999999'])
    if (after) assertProblem(await feed('quantri', { after }), 400, 'after');
  for (const limit of ['0', '1001', 'x', '-5'])
    assertProblem(await feed('quantri', { limit }), 400, 'limit');
  assertProblem(await feed('quantri', { agency: 'not a code' }), 400, 'agency');
  assertProblem(await feed('quantri', { agency: '000.99.99.H06' }), 404, 'agency');
  assertProblem(await feed('quantri', { after: 'x', limit: '0' }), 400, 'limit');
  const r = await feed('quantri', { limit: '1000', after: '0' });
  assert.equal(r.status, 200);
  assert.equal(r.body.limit, 1000);
});

test(`runs on ${backend}`, () => assert.ok(backend));
