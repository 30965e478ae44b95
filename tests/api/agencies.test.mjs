// Agencies API: GET /api/v1/agencies (search without diacritics, filters,
// paging), GET /api/v1/agencies/{code} (parent chain, children), POST and
// PATCH with the admin token (create, change, move a subtree), hostile
// input, and the audit trail: one entry per successful write, none and no
// change at all for a failed one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN_TOKEN } from './lib/server.mjs';
import { PROBLEM, assertProblem as assertProblemNamed, auditCount } from './lib/helpers.mjs';

let srv;

const ROOT = '000.00.00.H06'; // UBND tỉnh Bắc Ninh in the demo scheme
const STP = '000.00.03.H06'; // Sở Tư pháp

before(async () => {
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.close();
});

// A problem naming field (helpers.mjs) that also repeats its status and has a detail.
function assertProblem(r, status, field) {
  assertProblemNamed(r, status, field);
  assert.equal(r.body.status, status);
  assert.ok(r.body.detail.length > 0);
}

const list = (qs) => srv.json('/api/v1/agencies?' + qs);
const get = (code) => srv.json('/api/v1/agencies/' + code);
const post = (body, headers) => srv.admin('/api/v1/agencies', 'POST', body, headers);
const patch = (code, body, headers) => srv.admin('/api/v1/agencies/' + code, 'PATCH', body, headers);

// Everything observable about agencies plus the audit count.
async function snapshot() {
  const r = await list('limit=1000');
  assert.equal(r.status, 200);
  return { agencies: r.body, audit: auditCount(srv.db.url) };
}

// Run a failing request and check it changed nothing.
async function refusedUnchanged(fn, status, field) {
  const before = await snapshot();
  const r = await fn();
  assertProblem(r, status, field);
  assert.deepEqual(await snapshot(), before, 'a failed request changes nothing');
  return r;
}

// Run a successful write and check it added exactly one audit entry.
async function oneAuditEntry(fn) {
  const n = auditCount(srv.db.url);
  const r = await fn();
  assert.ok(r.status === 200 || r.status === 201, `${r.status}: ${JSON.stringify(r.body)}`);
  assert.equal(auditCount(srv.db.url), n + 1, 'exactly one audit entry');
  return r;
}

// ------------------------------------------------------------------ demo data

test('the demo province: the committee, its departments and 99 commune committees', async () => {
  const root = await get(ROOT);
  assert.equal(root.status, 200);
  assert.equal(root.body.kind, 'province_committee');
  assert.equal(root.body.level, 1);
  assert.equal(root.body.parent_code, null);
  assert.equal(root.body.unit_code, '24');
  assert.deepEqual(root.body.parents, []);
  const communes = await list(`parent=${ROOT}&kind=commune_committee&limit=1000`);
  assert.equal(communes.status, 200);
  assert.equal(communes.body.total, 99);
  assert.equal(communes.body.items.length, 99);
  const units = await srv.json('/api/v1/units?parent=24&limit=1000');
  assert.deepEqual(communes.body.items.map((a) => a.unit_code).sort(),
    units.body.items.map((u) => u.code).sort(), 'one committee per commune or ward of unit 24');
  for (const a of communes.body.items) {
    assert.equal(a.parent_code, ROOT);
    assert.equal(a.level, 2);
    assert.match(a.name, /^UBND (Xã|Phường|Đặc khu) /);
  }
  const depts = await list(`parent=${ROOT}&kind=department`);
  assert.ok(depts.body.total >= 13, `departments: ${depts.body.total}`);
  assert.equal(root.body.children, communes.body.total + depts.body.total + 1); // + police
});

test('a commune committee is findable by its unit, with its parent chain', async () => {
  const units = await srv.json('/api/v1/units?parent=24&q=bac%20giang');
  const ward = units.body.items.find((u) => u.full_name === 'Phường Bắc Giang');
  assert.ok(ward, 'Phường Bắc Giang is a unit of 24');
  const r = await list('unit=' + ward.code);
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 1);
  const a = r.body.items[0];
  assert.equal(a.name, 'UBND Phường Bắc Giang');
  assert.equal(a.kind, 'commune_committee');
  const one = await get(a.code);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body.parents.map((p) => p.code), [ROOT]);
  assert.equal(one.body.children, 0);
});

test('search ignores diacritics and case: "so tu phap" finds Sở Tư pháp', async () => {
  for (const q of ['so tu phap', 'SỞ TƯ PHÁP', 'Sở Tư pháp', '  so   tu  phap ']) {
    const r = await list('q=' + encodeURIComponent(q));
    assert.equal(r.status, 200);
    assert.ok(r.body.items.some((a) => a.code === STP && a.name === 'Sở Tư pháp'), q);
  }
  const byCode = await list('q=' + encodeURIComponent(STP.toLowerCase()));
  assert.equal(byCode.body.items[0].code, STP);
  const trung = await list('q=' + encodeURIComponent('phuc vu hanh chinh cong'));
  assert.equal(trung.body.total, 1);
  assert.equal(trung.body.items[0].kind, 'service_centre');
  const none = await list('q=' + encodeURIComponent('%_\\'));
  assert.equal(none.body.total, 0, 'LIKE metacharacters match literally');
});

test('GET one: parent chain top-down and direct children count', async () => {
  const div = await list(`parent=${STP}`);
  assert.equal(div.status, 200);
  assert.equal(div.body.total, 2);
  const r = await get(div.body.items[0].code);
  assert.equal(r.status, 200);
  assert.equal(r.body.level, 3);
  assert.equal(r.body.kind, 'division');
  assert.deepEqual(r.body.parents.map((p) => [p.code, p.level]), [[ROOT, 1], [STP, 2]]);
  assert.equal(r.body.parents[1].name, 'Sở Tư pháp');
  assert.equal((await get(STP)).body.children, 2);
  const within = await list(`within=${STP}`);
  assert.equal(within.body.total, 3, 'within = the agency and its subtree');
});

test('paging and ordering: level then code, total over all pages', async () => {
  const all = await list('limit=1000');
  assert.equal(all.status, 200);
  assert.ok(all.body.total >= 118);
  const items = all.body.items;
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1], b = items[i];
    assert.ok(a.level < b.level || (a.level === b.level && a.code < b.code), `${a.code} before ${b.code}`);
  }
  const page = await list('limit=10&offset=10');
  assert.deepEqual(page.body.items.map((a) => a.code), items.slice(10, 20).map((a) => a.code));
  assert.equal(page.body.limit, 10);
  assert.equal(page.body.offset, 10);
  const past = await list('offset=100000');
  assert.deepEqual(past.body.items, []);
  assert.equal(past.body.total, all.body.total);
  const unknownParent = await list('parent=999.99.99.Z99');
  assert.equal(unknownParent.body.total, 0);
});

test('bad query parameters are 400 naming the parameter', async () => {
  for (const [qs, field] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['offset=-1', 'offset'],
    ['parent=abc', 'parent'], ['within=24', 'within'], ['unit=1234', 'unit'], ['kind=ministry', 'kind'],
    ['q=' + 'a'.repeat(101), 'q']]) {
    assertProblem(await list(qs), 400, field);
  }
});

test('unknown agency codes are 404', async () => {
  assertProblem(await get('999.99.99.Z99'), 404);
  assertProblem(await get('abc'), 404);
  assertProblem(await get(encodeURIComponent("1'; DROP TABLE agencies;--")), 404);
  assertProblem(await patch('999.99.99.Z99', { name: 'X' }), 404);
});

// ------------------------------------------------------------------ writes

test('create: 201, Location, stored as sent (NFC), one audit entry', async () => {
  const body = {
    code: '000.00.16.H06', parent_code: ROOT, kind: 'department', name: 'Sở Du lịch',
    short_name: 'SDL', unit_code: '24', email: 'sdl@example.gov.vn', phone: '+84 222 3822 000',
    address: 'Số 10 đường Lý Thái Tổ, Bắc Ninh', website: 'https://sdl.example.gov.vn',
  };
  const r = await oneAuditEntry(() => post(body));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('location'), '/api/v1/agencies/000.00.16.H06');
  for (const k of Object.keys(body)) assert.equal(r.body[k], body[k], k);
  assert.equal(r.body.level, 2);
  assert.equal(r.body.valid_to, null);
  assert.match(r.body.valid_from, /^\d{4}-\d{2}-\d{2}$/);
  const got = await get('000.00.16.H06');
  assert.equal(got.status, 200);
  assert.equal(got.body.name, 'Sở Du lịch');
  assert.deepEqual(got.body.parents.map((p) => p.code), [ROOT]);
  assert.ok((await list('q=so%20du%20lich')).body.items.some((a) => a.code === '000.00.16.H06'));
  // decomposed input (combining marks) is stored precomposed
  const nfd = await oneAuditEntry(() => post({ code: '000.01.16.H06', parent_code: '000.00.16.H06',
    name: 'Phòng Quản lý lữ hành'.normalize('NFD') }));
  assert.equal(nfd.body.name, 'Phòng Quản lý lữ hành'.normalize('NFC'));
  assert.equal(nfd.body.kind, 'other');
  assert.equal(nfd.body.level, 3);
});

test('script and SQL in names are stored verbatim', async () => {
  const names = ['<script>alert(1)</script>', "Sở X'); DROP TABLE agencies;--", '%_\\ " \' `'];
  let i = 0;
  for (const name of names) {
    const code = `000.0${i}.17.H06`;
    i++;
    const r = await oneAuditEntry(() => post({ code, name, short_name: name }));
    assert.equal(r.body.name, name);
    const got = await get(code);
    assert.equal(got.body.name, name);
    assert.equal(got.body.short_name, name);
  }
  assert.equal((await get(STP)).status, 200, 'the table is still there');
});

test('hostile create input is refused and changes nothing', async (t) => {
  const ok = { code: '000.00.18.H06', parent_code: ROOT, name: 'Sở Mới' };
  const cases = [
    ['bad code shape', { ...ok, code: '00.00.18.H06' }, 422, 'code'],
    ['lower-case province letter', { ...ok, code: '000.00.18.h06' }, 422, 'code'],
    ['code with SQL', { ...ok, code: "000.00.18.H06'--" }, 422, 'code'],
    ['missing code', { name: 'Sở Mới' }, 422, 'code'],
    ['missing name', { code: ok.code }, 422, 'name'],
    ['blank name', { ...ok, name: '   ' }, 422, 'name'],
    ['overlong name', { ...ok, name: 'Ă'.repeat(301) }, 422, 'name'],
    ['name not a string', { ...ok, name: 42 }, 422, 'name'],
    ['unknown field', { ...ok, is_admin: true }, 422, 'is_admin'],
    ['unknown parent', { ...ok, parent_code: '999.99.99.H06' }, 422, 'parent_code'],
    ['malformed parent', { ...ok, parent_code: 'UBND' }, 422, 'parent_code'],
    ['unknown unit', { ...ok, unit_code: '99999' }, 422, 'unit_code'],
    ['malformed unit', { ...ok, unit_code: 'x' }, 422, 'unit_code'],
    ['unknown kind', { ...ok, kind: 'ministry' }, 422, 'kind'],
    ['bad email', { ...ok, email: 'not-an-email' }, 422, 'email'],
    ['bad phone', { ...ok, phone: 'call me' }, 422, 'phone'],
    ['bad website', { ...ok, website: 'javascript:alert(1)' }, 422, 'website'],
    ['bad valid_from', { ...ok, valid_from: '2025-02-30' }, 422, 'valid_from'],
    ['valid_to before valid_from', { ...ok, valid_from: '2026-01-01', valid_to: '2025-01-01' }, 422, 'valid_to'],
    ['duplicate code', { ...ok, code: STP }, 409, 'code'],
  ];
  for (const [what, body, status, field] of cases) {
    await t.test(what, () => refusedUnchanged(() => post(body), status, field));
  }
  await refusedUnchanged(() => post('{"code": "000.00.18.H06", "code": "x", "name": "a"}'), 400);
  await refusedUnchanged(() => post('[1,2]'), 400);
  await refusedUnchanged(() => post('{"code":'), 400);
  await refusedUnchanged(() => post(ok, { 'Content-Type': 'text/plain' }), 415);
  const dup = await post({ ...ok, code: STP });
  assert.match(dup.body.detail, /000\.00\.03\.H06/, 'the conflict names the code');
  assert.equal(dup.body.type, '/problems/conflict');
});

test('writes need the admin token: 401 without, 403 with a wrong one', async () => {
  const body = JSON.stringify({ code: '000.00.19.H06', name: 'Sở Khác' });
  for (const [method, path] of [['POST', '/api/v1/agencies'], ['PATCH', '/api/v1/agencies/' + STP]]) {
    await refusedUnchanged(() => srv.json(path, { method, body,
      headers: { 'Content-Type': 'application/json' } }), 401);
    await refusedUnchanged(() => srv.json(path, { method, body,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer wrong-' + ADMIN_TOKEN } }), 403);
    await refusedUnchanged(() => srv.json(path, { method, body,
      headers: { 'Content-Type': 'application/json', Authorization: 'Basic ' + ADMIN_TOKEN } }), 401);
  }
});

test('patch: changed fields only, from/to in the audit entry; a no-op writes nothing', async () => {
  const before = (await get(STP)).body;
  const r = await oneAuditEntry(() => patch(STP, {
    short_name: 'Sở TP', email: 'stp@example.gov.vn', phone: '0222 3822 111',
    address: 'Số 5 Lý Thái Tổ', website: 'https://stp.example.gov.vn',
  }));
  assert.equal(r.body.short_name, 'Sở TP');
  assert.equal(r.body.email, 'stp@example.gov.vn');
  assert.equal(r.body.name, before.name);
  assert.equal(r.body.parent_code, ROOT);
  // the same patch again changes nothing and adds no audit entry
  const n = auditCount(srv.db.url);
  const again = await patch(STP, { short_name: 'Sở TP', email: 'stp@example.gov.vn' });
  assert.equal(again.status, 200);
  assert.equal(auditCount(srv.db.url), n);
  // null clears an optional field; valid_to closes the agency
  const cleared = await oneAuditEntry(() => patch(STP, { website: null, valid_to: '2099-01-01' }));
  assert.equal(cleared.body.website, null);
  assert.equal(cleared.body.valid_to, '2099-01-01');
  await oneAuditEntry(() => patch(STP, { valid_to: null }));
  const log = auditLog(STP);
  const last = log[log.length - 1];
  assert.deepEqual(last, { valid_to: { from: '2099-01-01', to: null } });
  assert.deepEqual(log[log.length - 3].short_name, { from: 'STP', to: 'Sở TP' });
});

// The summaries of agency.update entries for one agency, oldest first.
function auditLog(code) {
  const q = `SELECT summary FROM audit_log WHERE action = 'agency.update' AND object_id = '${code}' ORDER BY seq`;
  const out = srv.db.psql ? srv.db.psql(q) : srv.db.sqlite(q);
  return out.trim().split('\n').filter(Boolean).map((s) => JSON.parse(s));
}

test('hostile patch input is refused and changes nothing', async (t) => {
  const cases = [
    ['empty object', {}, 422],
    ['unknown field', { code: '000.00.99.H06' }, 422, 'code'],
    ['blank name', { name: ' ' }, 422, 'name'],
    ['null name', { name: null }, 422, 'name'],
    ['overlong name', { name: 'x'.repeat(301) }, 422, 'name'],
    ['bad email', { email: 'a@b' }, 422, 'email'],
    ['bad valid_to', { valid_to: '31/12/2030' }, 422, 'valid_to'],
    ['valid_to before valid_from', { valid_to: '2000-01-01' }, 422, 'valid_to'],
    ['unknown parent', { parent_code: '999.99.99.H06' }, 422, 'parent_code'],
    ['malformed parent', { parent_code: 'ROOT' }, 422, 'parent_code'],
  ];
  for (const [what, body, status, field] of cases) {
    await t.test(what, () => refusedUnchanged(() => patch(STP, body), status, field));
  }
});

test('moving an agency moves its subtree; into its own subtree is 422', async () => {
  const VP = '000.00.01.H06'; // Văn phòng UBND tỉnh, above the service centre
  const divisions = (await list(`parent=${STP}`)).body.items.map((a) => a.code);
  // Sở Tư pháp (with its two divisions) moves under Văn phòng
  const r = await oneAuditEntry(() => patch(STP, { parent_code: VP }));
  assert.equal(r.body.parent_code, VP);
  assert.equal(r.body.level, 3);
  for (const code of divisions) {
    const d = await get(code);
    assert.equal(d.body.level, 4);
    assert.deepEqual(d.body.parents.map((p) => p.code), [ROOT, VP, STP]);
  }
  assert.equal((await list(`within=${VP}`)).body.total, 6); // VP, the two centres, STP, 2 divisions
  // cycles: under itself, its child, its grandchild
  for (const [code, parent] of [[STP, STP], [STP, divisions[0]], [ROOT, divisions[1]], [VP, STP]]) {
    const p = await refusedUnchanged(() => patch(code, { parent_code: parent }), 422, 'parent_code');
    assert.equal(p.body.type, '/problems/validation');
  }
  // and back
  const back = await oneAuditEntry(() => patch(STP, { parent_code: ROOT }));
  assert.equal(back.body.level, 2);
  for (const code of divisions) assert.equal((await get(code)).body.level, 3);
  const log = auditLog(STP);
  assert.deepEqual(log[log.length - 1].parent_code, { from: VP, to: ROOT });
});

test('English messages for agency problems', async () => {
  const r = await srv.json('/api/v1/agencies', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}`,
      'Accept-Language': 'en' },
    body: JSON.stringify({ code: 'bad', name: 'x' }),
  });
  assertProblem(r, 422, 'code');
  const e = r.body.errors.find((x) => x.field === 'code');
  assert.match(e.message, /identifier format/);
  const vi = await post({ code: 'bad', name: 'x' });
  assert.match(vi.body.errors.find((x) => x.field === 'code').message, /Mã định danh điện tử/);
});
