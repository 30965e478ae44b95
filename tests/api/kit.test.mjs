// The domain kit as a client sees it: input declared in the route table is
// checked before the handler and every violation comes back at once, each
// naming its field, in the client's language; the same formats everywhere
// (a phone rule shared by agencies and accounts); enums the web needs come
// from the API; and agency scope is decided by the domain itself, inside
// its transaction (an agency admin cannot move an agency out of reach).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { assertProblem, auditCount, signedIn, firstSignIn, as } from './lib/helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.close(); });

const fieldsOf = (r) => (r.body.errors || []).map((e) => e.field).sort();

test('a body with many faults gets one 422 naming every bad field, and nothing changes', async () => {
  const n = auditCount(srv.db.url);
  const r = await srv.admin('/api/v1/agencies', 'POST', {
    code: '12.34', name: '', kind: 'ministry', email: 'not-mail', phone: '12ab',
    website: 'ftp://x', valid_from: '2025-02-30', colour: 'red',
  });
  assertProblem(r, 422);
  assert.deepEqual(fieldsOf(r),
    ['code', 'colour', 'email', 'kind', 'name', 'phone', 'valid_from', 'website']);
  const byField = Object.fromEntries(r.body.errors.map((e) => [e.field, e.message]));
  assert.match(byField.kind, /province_committee/); // the allowed kinds are listed
  assert.match(byField.phone, /8–15 chữ số/);
  assert.equal(auditCount(srv.db.url), n);
});

test('field messages speak English on request', async () => {
  const r = await srv.admin('/api/v1/agencies', 'POST', { code: '000.00.98.H06', name: 'X', phone: '123' },
    { 'Accept-Language': 'en' });
  assertProblem(r, 422, 'phone');
  assert.match(r.body.errors[0].message, /8–15 digits/);
});

test('query parameters are checked by their declaration: 400 naming each', async () => {
  const r = await srv.json('/api/v1/agencies?limit=0&kind=ministry&parent=abc&unit=12a');
  assertProblem(r, 400);
  assert.deepEqual(fieldsOf(r), ['kind', 'limit', 'parent', 'unit']);
  const u = await srv.json('/api/v1/units?level=4&date=2025-13-01');
  assertProblem(u, 400);
  assert.deepEqual(fieldsOf(u), ['date', 'level']);
  // and well-formed ones still work, with their declared defaults
  const ok = await srv.json('/api/v1/agencies?kind=department');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.limit, 100);
  assert.ok(ok.body.items.length > 5 && ok.body.items.every((a) => a.kind === 'department'));
});

test('integer path parameters are declared: anything but digits in range is a 404 naming it, and nothing runs', async () => {
  const n = auditCount(srv.db.url);
  for (const bad of ['abc', '0', '-1', '+5', '1e3', '%201', '99999999999999999999', '1.5']) {
    const r = await srv.admin(`/api/v1/accounts/${bad}`, 'GET');
    assertProblem(r, 404, 'id');
    assert.match(r.body.detail, /tài khoản|Account/i, bad);
  }
  // a grant id is checked as its own parameter
  assertProblem(await srv.admin('/api/v1/accounts/1/grants/x', 'DELETE'), 404, 'grant_id');
  // ranges: the calendar's years, the audit tree's sequence numbers
  for (const y of ['1899', '2101', '02o6']) assertProblem(await srv.json(`/api/v1/calendar/${y}`), 404, 'year');
  assert.equal((await srv.json('/api/v1/calendar/2100')).status, 200);
  assertProblem(await srv.json('/api/v1/audit/proof/9007199254740992'), 404, 'seq');
  // a write with a bad id changes nothing
  assertProblem(await srv.admin('/api/v1/accounts/abc', 'PATCH', { full_name: 'X' }), 404, 'id');
  assert.equal(auditCount(srv.db.url), n);
});

test('null clears a nullable member and is refused where a value is needed', async () => {
  const code = '000.00.97.H06';
  let r = await srv.admin('/api/v1/agencies', 'POST', { code, parent_code: '000.00.00.H06', name: 'Ban Thử', email: 'thu@example.vn' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await srv.admin('/api/v1/agencies/' + code, 'PATCH', { email: null });
  assert.equal(r.status, 200);
  assert.equal(r.body.email, null);
  r = await srv.admin('/api/v1/agencies/' + code, 'PATCH', { name: null });
  assertProblem(r, 422, 'name');
  r = await srv.admin('/api/v1/units/24', 'PATCH', { name: null });
  assertProblem(r, 422, 'name');
});

test('one phone rule for agencies and people: an 8-digit hotline is accepted by both', async () => {
  const r = await srv.admin('/api/v1/agencies', 'POST', { code: '000.00.96.H06', name: 'Đường dây nóng', phone: '1900 1234' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const reg = await srv.json('/api/v1/auth/register', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'le.van.hung', full_name: 'Lê Văn Hùng', phone: '1900 5678', password: 'Mat-khau-rat-dai-2025' }),
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  assert.equal(reg.body.phone, '1900 5678');
  const bad = await srv.json('/api/v1/auth/register', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'le.van.hung2', full_name: 'Lê Văn Hùng', phone: '123 4567', password: 'Mat-khau-rat-dai-2025' }),
  });
  assertProblem(bad, 422, 'phone');
});

test('the agency kinds come from the API, in display order', async () => {
  const r = await srv.json('/api/v1/agency-kinds');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items,
    ['province_committee', 'department', 'division', 'service_centre', 'commune_committee', 'police', 'other']);
});

test('an agency admin may not move an agency of theirs under one out of their reach', async () => {
  // stp.quantri administers Sở Tư pháp (000.00.03.H06) and its divisions only
  const s = await signedIn(srv, 'stp.quantri');
  const n = auditCount(srv.db.url);
  const away = await as(srv, s, '/api/v1/agencies/000.01.03.H06', 'PATCH', { parent_code: '000.00.07.H06' });
  assertProblem(away, 403);
  const root = await as(srv, s, '/api/v1/agencies/000.01.03.H06', 'PATCH', { parent_code: null });
  assertProblem(root, 403);
  const other = await as(srv, s, '/api/v1/agencies/000.00.07.H06', 'PATCH', { name: 'Sở Y tế (sửa)' });
  assertProblem(other, 403);
  assert.equal(auditCount(srv.db.url), n);
  const mine = await as(srv, s, '/api/v1/agencies/000.01.03.H06', 'PATCH', { short_name: 'Phòng HCTP' });
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  assert.equal(auditCount(srv.db.url), n + 1);
});

test('an admin of many agencies sees people, tokens and history in every one of them (no cap on grants)', async () => {
  const agencies = ['000.00.01.H06', '000.00.02.H06', '000.00.03.H06', '000.00.04.H06', '000.00.05.H06', '000.00.07.H06'];
  const created = await srv.admin('/api/v1/accounts', 'POST', {
    username: 'nhieu.quyen', full_name: 'Tạ Thị Nhiều', password: 'Nhieu-quyen-2025!',
    role: 'agency_admin', agency_code: agencies[0],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const code of agencies.slice(1)) {
    const g = await srv.admin(`/api/v1/accounts/${created.body.id}/grants`, 'POST', { role: 'agency_admin', agency: code });
    assert.equal(g.status, 201, JSON.stringify(g.body));
  }
  // a token (made by the province's system admin: a token belongs to an
  // account) and a change (by the operator) on the sixth agency (Sở Y tế)
  const root = await signedIn(srv, 'quantri');
  const tok = await as(srv, root, '/api/v1/tokens', 'POST', { name: 'Máy chủ Sở Y tế', purpose: 'Báo cáo y tế', agency_code: '000.00.07.H06', permissions: ['officer'] });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  const ch = await srv.admin('/api/v1/agencies/000.00.07.H06', 'PATCH', { address: 'Số 5 Lý Thái Tổ, Bắc Ninh' });
  assert.equal(ch.status, 200);

  const s = await firstSignIn(srv, 'nhieu.quyen', 'Nhieu-quyen-2025!');
  assert.equal(s.body.grants.length, 6);
  const people = await as(srv, s, '/api/v1/accounts?q=dang%20van%20hai');
  assert.equal(people.status, 200);
  assert.deepEqual(people.body.items.map((a) => a.username), ['syt.canbo1']);
  const tokens = await as(srv, s, '/api/v1/tokens');
  assert.ok(tokens.body.items.some((t) => t.id === tok.body.id), 'the sixth agency\'s token is listed');
  const audit = await as(srv, s, '/api/v1/audit?object_id=000.00.07.H06');
  assert.equal(audit.status, 200);
  assert.ok(audit.body.items.some((e) => e.action === 'agency.update'), 'the sixth agency\'s history is listed');
  // and nothing outside them: Sở Công Thương (10) is not theirs
  const outside = await as(srv, s, '/api/v1/audit?object_id=000.00.10.H06');
  assert.equal(outside.body.total, 0);
});
