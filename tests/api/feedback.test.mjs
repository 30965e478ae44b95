// Citizen feedback (phản ánh, kiến nghị) through tinhso's own API, on a real
// server (SQLite, or PostgreSQL with TINHSO_TEST_PG): a citizen reports a
// building works problem → it waits for the intake point (the province's
// IOC) with a deadline in working days → the intake officer accepts it and
// it is routed to the Department of Construction → the department's officer
// takes it, works on it and answers → the answer is on the public page → the
// reporter rates it. Around it: who may do each step (wrong role, wrong
// agency, someone else's report), stale revisions and wrong statuses (409),
// moderation that hides the text and the name from the public, following,
// merging a duplicate (its followers carried over), reopening, the nearby
// suggestions, the escalation job, and hostile input that changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { assertProblem, auditCount, signedIn, as } from './lib/helpers.mjs';
import { startServer } from './lib/server.mjs';

const IOC = '000.21.01.H06';
const SXD = '000.00.04.H06';
const SYT = '000.00.07.H06';
const dir = mkdtempSync(join(tmpdir(), 'tinhso-feedback-'));
const servers = [];
after(async () => { for (const s of servers) await s.close(); });
async function server(conf = {}) {
  const p = join(dir, `c${servers.length}.json`);
  writeFileSync(p, JSON.stringify(conf));
  const s = await startServer({ args: ['--config', p] });
  servers.push(s);
  return s;
}
function sql(srv, q) {
  return (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q)).trim();
}
async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let srv;
const sess = {};
async function who(u) {
  if (!sess[u]) sess[u] = await signedIn(srv, u);
  return sess[u];
}
const POINT = { lat: 21.1861, lon: 106.0763 }; // Bắc Ninh city centre
async function report(user = 'nguoidan1', extra = {}) {
  const r = await as(srv, await who(user), '/api/v1/feedback', 'POST', {
    category: 'xay-dung',
    title: 'Công trình xây dựng lấn ra vỉa hè',
    description: 'Nhà số 45 đang xây thêm tầng 4, đổ vật liệu ra vỉa hè, không thấy biển báo giấy phép.',
    address: '45 đường Nguyễn Gia Thiều', ...POINT, ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function act(user, code, body) {
  return as(srv, await who(user), `/api/v1/feedback/${code}/actions`, 'POST', body);
}
async function ok(user, code, body) {
  const r = await act(user, code, body);
  assert.equal(r.status, 200, `${user} ${body.action}: ${JSON.stringify(r.body)}`);
  return r.body;
}

test('a report goes from the citizen through the intake point to the department, is answered, published and rated', async () => {
  srv = await server();
  const a0 = auditCount(srv.db.url);
  const cats = (await srv.json('/api/v1/feedback-categories')).body.items;
  const xd = cats.find((c) => c.code === 'xay-dung');
  assert.equal(xd.route, SXD);
  assert.equal(xd.deadline_days, 10);
  assert.ok(cats.find((c) => c.code === 'cay-xanh' && c.deadline_days === 1 && c.priority === 1), 'an urgent category');

  const r0 = await report();
  assert.match(r0.code, /^PA-\d{6}-\d{6}$/);
  assert.equal(r0.status, 'submitted');
  assert.equal(r0.agency, SXD, 'the category routes it to the department');
  assert.equal(r0.reporter_name, 'Nguyễn Thị Thu');
  assert.ok(r0.due_at > r0.submitted_at && r0.intake_due < r0.due_at, `${r0.intake_due} < ${r0.due_at}`);
  assert.deepEqual(r0.actions, [], 'the reporter can do nothing until it is answered');
  // the public does not see it before the intake point accepts it
  assertProblem(await srv.json(`/api/v1/public/feedback/${r0.code}`), 404, 'code');
  // the intake point's queue heard of it
  const ioc = await who('ioc.canbo1');
  const inbox = await as(srv, ioc, '/api/v1/feedback?queue=intake');
  assert.ok(inbox.body.items.some((i) => i.code === r0.code), 'in the intake inbox');
  const notes = await as(srv, ioc, '/api/v1/me/notifications');
  assert.ok(notes.body.items.some((n) => n.topic === 'feedback.submitted' && n.subject === r0.code));

  // another citizen and the department (before acceptance: not its to act) cannot accept
  assertProblem(await act('nguoidan2', r0.code, { action: 'accept' }), 404, 'code');
  assertProblem(await act('sxd.canbo1', r0.code, { action: 'accept' }), 403);
  const v1 = await ok('ioc.canbo1', r0.code, { action: 'accept', rev: r0.rev });
  assert.equal(v1.status, 'accepted');
  // the same decision again on the old revision: 409, nothing changes
  assertProblem(await act('ioc.canbo2', r0.code, { action: 'accept', rev: r0.rev }), 409);
  // now public, without the reporter's name or contacts
  let pub = await srv.json(`/api/v1/public/feedback/${r0.code}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.reporter_name, null);
  assert.equal(pub.body.token, undefined);
  assert.equal(pub.body.reporter_phone, undefined);
  assert.ok(pub.body.events.every((e) => e.actor === undefined), 'no officer identities in public');

  // a commune officer (another agency) cannot touch it; the department's officer takes it
  assertProblem(await act('xa1.canbo', r0.code, { action: 'assign' }), 404, 'code');
  const me = (await who('sxd.canbo1')).body.account.id;
  const v2 = await ok('sxd.canbo1', r0.code, { action: 'assign' });
  assert.equal(v2.status, 'assigned');
  assert.equal(v2.assignee_id, me);
  const v3 = await ok('sxd.canbo1', r0.code, { action: 'start' });
  assert.equal(v3.status, 'in_progress');
  assertProblem(await act('sxd.canbo1', r0.code, { action: 'answer' }), 422, 'answer');
  const answer = 'Sở Xây dựng đã kiểm tra: công trình có giấy phép 3 tầng, xây thêm tầng 4 là sai phép. Đã lập biên bản, đình chỉ thi công.';
  const v4 = await ok('sxd.canbo1', r0.code, { action: 'answer', answer });
  assert.equal(v4.status, 'answered');
  assert.equal(v4.answer, answer);
  assert.equal(v4.late, false);
  pub = await srv.json(`/api/v1/public/feedback/${r0.code}`);
  assert.equal(pub.body.answer, answer);
  assert.deepEqual(pub.body.events.map((e) => e.to), ['submitted', 'accepted', 'assigned', 'in_progress', 'answered']);

  // the reporter is asked to rate; only they can
  const cit = await who('nguoidan1');
  const mineNotes = await as(srv, cit, '/api/v1/me/notifications');
  assert.ok(mineNotes.body.items.some((n) => n.subject === r0.code && n.topic === 'feedback.answered'));
  assertProblem(await act('sxd.canbo1', r0.code, { action: 'rate', rating: 5 }), 403);
  assertProblem(await act('nguoidan1', r0.code, { action: 'rate', rating: 6 }), 422, 'rating');
  const v5 = await ok('nguoidan1', r0.code, { action: 'rate', rating: 4, fixed: true });
  assert.equal(v5.status, 'closed');
  assert.equal(v5.rating, 4);
  assert.equal(v5.fixed, true);
  assertProblem(await act('nguoidan1', r0.code, { action: 'rate', rating: 5 }), 409);
  // my reports
  const mine = await as(srv, cit, '/api/v1/me/feedback');
  assert.ok(mine.body.items.some((i) => i.code === r0.code && i.status === 'closed'));
  assert.equal(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE object_id = '${r0.code}'`), '6',
    'submit, accept, assign, start, answer, rate: one audit entry each');
  assert.ok(auditCount(srv.db.url) > a0, 'the chain verifies');
});

test('a wrong role, a wrong agency and an outsider are refused; a reporter reopens within the window', async () => {
  const r = await report('nguoidan2', { category: 'an-toan-thuc-pham', title: 'Quán ăn mất vệ sinh', lat: undefined, lon: undefined });
  assert.equal(r.agency, SYT);
  await ok('ioc.lanhdao', r.code, { action: 'accept' });
  // the Department of Construction's officer is in another agency
  assertProblem(await act('sxd.canbo1', r.code, { action: 'answer', answer: 'x' }), 404);
  // a citizen cannot answer their own report
  assertProblem(await act('nguoidan2', r.code, { action: 'answer', answer: 'x' }), 403);
  // the health department's leader gives it to an officer; another officer may not take it over
  const syt1 = (await who('syt.canbo1')).body.account.id;
  let v = await ok('syt.lanhdao', r.code, { action: 'assign', assignee: syt1 });
  assert.equal(v.assignee_name, 'Đặng Văn Hải');
  assertProblem(await act('syt.canbo2', r.code, { action: 'assign' }), 403);
  assertProblem(await act('syt.lanhdao', r.code, { action: 'assign', assignee: (await who('sxd.canbo1')).body.account.id }), 422, 'assignee');
  v = await ok('syt.canbo1', r.code, { action: 'answer', answer: 'Đoàn kiểm tra đã xử phạt cơ sở và yêu cầu khắc phục.' });
  assertProblem(await act('nguoidan2', r.code, { action: 'reopen' }), 422, 'reason');
  v = await ok('nguoidan2', r.code, { action: 'reopen', reason: 'Quán vẫn hoạt động như cũ.' });
  assert.equal(v.status, 'in_progress');
  assert.equal(v.reopened, 1);
  assert.equal(v.answered_at, null);
  // the reopen window: answered long ago → 409
  await ok('syt.canbo1', r.code, { action: 'answer', answer: 'Đã kiểm tra lại và đình chỉ hoạt động.' });
  sql(srv, `UPDATE feedback_reports SET answered_at = answered_at - 30 * 1440 WHERE code = '${r.code}'`);
  assertProblem(await act('nguoidan2', r.code, { action: 'reopen', reason: 'Vẫn chưa đóng cửa.' }), 409);
});

test('moderation hides the text, the name and the report itself from the public; staff still see the original', async () => {
  const r = await report('nguoidan1', { show_name: true, description: 'Ông Nguyễn Văn X, SĐT 0912345678, xây nhà trái phép tại số 10.' });
  await ok('ioc.canbo1', r.code, { action: 'accept' });
  let pub = (await srv.json(`/api/v1/public/feedback/${r.code}`)).body;
  assert.equal(pub.reporter_name, 'Nguyễn Thị Thu', 'the reporter allowed their name');
  assertProblem(await act('sxd.canbo1', r.code, { action: 'moderate', show_name: false }), 403);
  await ok('ioc.canbo1', r.code, { action: 'moderate', show_name: false, public_description: 'Một hộ dân xây nhà trái phép tại số 10.' });
  pub = (await srv.json(`/api/v1/public/feedback/${r.code}`)).body;
  assert.equal(pub.reporter_name, null);
  assert.equal(pub.description, 'Một hộ dân xây nhà trái phép tại số 10.');
  assert.ok(!JSON.stringify(pub).includes('0912345678'), 'the phone number is not published');
  assert.ok(!pub.events.some((e) => e.action === 'moderate'), 'moderation is not a public event');
  const list = (await srv.json('/api/v1/public/feedback?category=xay-dung&limit=200')).body.items;
  assert.ok(!JSON.stringify(list).includes('0912345678'));
  const staff = (await as(srv, await who('sxd.canbo1'), `/api/v1/feedback/${r.code}`)).body;
  assert.match(staff.description, /0912345678/, 'the agency sees what was sent');
  assert.equal(staff.public_description, 'Một hộ dân xây nhà trái phép tại số 10.');
  await ok('ioc.canbo1', r.code, { action: 'moderate', private: true });
  assertProblem(await srv.json(`/api/v1/public/feedback/${r.code}`), 404);
  assert.ok(!(await srv.json('/api/v1/public/feedback?limit=200')).body.items.some((i) => i.code === r.code));
});

test('people follow a report instead of filing it again; a duplicate is merged with its followers', async () => {
  const a = await report('nguoidan1', { category: 'o-nhiem', title: 'Xưởng gỗ gây ồn ban đêm', description: 'Xưởng gỗ chạy máy đến 1 giờ sáng.' });
  await ok('ioc.canbo1', a.code, { action: 'accept' });
  // while reporting: an open report of the category nearby is suggested
  const near = await srv.json(`/api/v1/public/feedback-nearby?category=o-nhiem&lat=${POINT.lat + 0.0005}&lon=${POINT.lon}&radius=200`);
  assert.equal(near.status, 200, JSON.stringify(near.body));
  assert.ok(near.body.items.some((i) => i.code === a.code), 'suggested within 200 m');
  const far = await srv.json(`/api/v1/public/feedback-nearby?category=o-nhiem&lat=${POINT.lat + 0.01}&lon=${POINT.lon}&radius=200`);
  assert.ok(!far.body.items.some((i) => i.code === a.code), 'not 1 km away');
  assertProblem(await srv.json('/api/v1/public/feedback-nearby?category=o-nhiem&lat=91&lon=106'), 400, 'lat');
  // nguoidan2 follows instead
  let f = await as(srv, await who('nguoidan2'), `/api/v1/feedback/${a.code}/follow`, 'PUT');
  assert.equal(f.status, 200, JSON.stringify(f.body));
  assert.equal(f.body.following, true);
  assert.equal(f.body.followers, 1);
  f = await as(srv, await who('nguoidan2'), `/api/v1/feedback/${a.code}/follow`, 'PUT');
  assert.equal(f.body.followers, 1, 'following twice counts once');
  // a duplicate filed anyway by nguoidan2 is merged into the first
  const b = await report('nguoidan2', { category: 'o-nhiem', title: 'Tiếng ồn xưởng gỗ', description: 'Ồn cả đêm.' });
  assertProblem(await act('ioc.canbo1', b.code, { action: 'merge', into: b.code }), 422, 'into');
  const m = await ok('ioc.canbo1', b.code, { action: 'merge', into: a.code });
  assert.equal(m.status, 'merged');
  assert.equal(m.merged_into, a.code);
  const kept = (await as(srv, await who('ioc.canbo1'), `/api/v1/feedback/${a.code}`)).body;
  assert.equal(kept.followers, 1, 'nguoidan2 follows once, not twice');
  // followers hear of the answer
  await ok('ioc.canbo1', a.code, { action: 'route', agency: SXD });
  await ok('sxd.canbo1', a.code, { action: 'answer', answer: 'Đã yêu cầu xưởng ngừng hoạt động sau 22 giờ.' });
  const n = await as(srv, await who('nguoidan2'), '/api/v1/me/notifications');
  assert.ok(n.body.items.some((i) => i.subject === a.code && i.topic === 'feedback.answered'), 'the follower is told');
  assertProblem(await act('ioc.canbo1', b.code, { action: 'merge', into: a.code }), 409);
});

test('hostile input: bad points, bad categories, HTML kept verbatim, oversize text — clear errors and nothing written', async () => {
  const n0 = sql(srv, 'SELECT COUNT(*) FROM feedback_reports');
  const s = await who('nguoidan1');
  const bad = [
    [{ category: 'xay-dung', title: 't', description: 'd', lat: 91, lon: 106 }, 'lat'],
    [{ category: 'xay-dung', title: 't', description: 'd', lat: 21, lon: 181 }, 'lon'],
    [{ category: 'xay-dung', title: 't', description: 'd', lat: '21', lon: 106 }, 'lat'],
    [{ category: 'xay-dung', title: 't', description: 'd', lat: 21 }, 'lon'],
    [{ category: 'khong-co', title: 't', description: 'd', ...POINT }, 'category'],
    [{ category: 'xay-dung', title: 't', description: 'x'.repeat(4001), ...POINT }, 'description'],
    [{ category: 'xay-dung', title: '', description: 'd', ...POINT }, 'title'],
    [{ category: 'xay-dung', title: 't', description: 'd' }, 'lat'], // a location is required
  ];
  for (const [body, field] of bad) {
    const r = await as(srv, s, '/api/v1/feedback', 'POST', body);
    assert.ok([400, 404, 422].includes(r.status), `${JSON.stringify(body).slice(0, 80)} → ${r.status}`);
    assertProblem(r, r.status, field);
    assert.ok(r.body.errors.every((e) => e.message || e.detail || true));
  }
  assert.equal(sql(srv, 'SELECT COUNT(*) FROM feedback_reports'), n0, 'nothing written');
  // not signed in: 401
  const anon = await srv.json('/api/v1/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(anon.status, 401);
  // HTML is kept as sent and given back as JSON text, never as markup
  const html = '<script>alert("x")</script><img src=x onerror=alert(1)>';
  const r = await report('nguoidan1', { title: html });
  assert.equal(r.title, html);
  const raw = await srv.fetch(`/api/v1/feedback/${r.code}`, { headers: { Cookie: `tinhso_session=${s.cookie}` } });
  assert.match(raw.headers.get('content-type'), /^application\/json/);
  // a double submit with one idempotency key files one report
  const k = { idempotency_key: 'bam-2-lan-7' };
  const d1 = await report('nguoidan1', k);
  const d2 = await report('nguoidan1', k);
  assert.equal(d1.code, d2.code);
  // malformed codes and listing filters
  assertProblem(await srv.json('/api/v1/public/feedback/PA-1'), 404, 'code');
  assertProblem(await srv.json("/api/v1/public/feedback/PA-261204-00000'"), 404);
  assertProblem(await srv.json('/api/v1/public/feedback?bbox=1,2,3'), 400, 'bbox');
  assertProblem(await srv.json('/api/v1/public/feedback?from=2026-13-01'), 400, 'from');
  assertProblem(await srv.json('/api/v1/public/feedback?from=2026-12-05&to=2026-12-01'), 400, 'from');
  assertProblem(await as(srv, await who('ioc.canbo1'), '/api/v1/feedback?status=bogus'), 400, 'status');
  // a citizen is not staff
  assert.equal((await as(srv, s, '/api/v1/feedback')).status, 403);
  // settings: only the system administrator
  assertProblem(await as(srv, await who('ioc.lanhdao'), '/api/v1/feedback-settings', 'PUT', { reopen_days: 3 }), 403);
  const st = await as(srv, await who('quantri'), '/api/v1/feedback-settings', 'PUT', { reopen_days: 12 });
  assert.equal(st.status, 200, JSON.stringify(st.body));
  assert.equal(st.body.reopen_days, 12);
  assert.equal(st.body.intake_agency, IOC);
  assertProblem(await as(srv, await who('quantri'), '/api/v1/feedback-settings', 'PUT', { intake_agency: '000.99.99.H06' }), 422, 'intake_agency');
});

test('an overdue report is escalated to the leaders above its agency once', async () => {
  const s2 = await server({ jobs_every_seconds: 1 });
  const cit = await signedIn(s2, 'nguoidan1');
  const ioc = await signedIn(s2, 'ioc.canbo1');
  const r = await as(s2, cit, '/api/v1/feedback', 'POST', {
    category: 'an-toan-thuc-pham', title: 'Bán thực phẩm quá hạn', description: 'Cửa hàng bán sữa quá hạn sử dụng.',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  let a = await as(s2, ioc, `/api/v1/feedback/${code}/actions`, 'POST', { action: 'accept' });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  sql(s2, `UPDATE feedback_reports SET due_at = submitted_at - 60 WHERE code = '${code}'`);
  const v = await until('the escalation', async () => {
    const b = (await as(s2, ioc, `/api/v1/feedback/${code}`)).body;
    return b.escalations === 1 && b;
  });
  assert.equal(v.late, true);
  await new Promise((res) => setTimeout(res, 2500));
  const again = (await as(s2, ioc, `/api/v1/feedback/${code}`)).body;
  assert.equal(again.escalations, 1, 'once per deadline');
  assert.equal(sql(s2, `SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.escalate' AND object_id = '${code}'`), '1');
  // the leaders of the agency above the health department (the province's committee) are told, once
  const root = sql(s2, "SELECT path FROM agencies WHERE code = '000.00.00.H06'");
  assert.equal(sql(s2, `SELECT COUNT(*) FROM notifications WHERE topic = 'feedback.overdue' AND subject = '${code}' AND queue_path = '${root}' AND queue_role = 'leader'`), '1');
  // answered and never rated: closed after close_days
  const syt = await signedIn(s2, 'syt.canbo1');
  a = await as(s2, syt, `/api/v1/feedback/${code}/actions`, 'POST', { action: 'answer', answer: 'Đã thu hồi, xử phạt.' });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  sql(s2, `UPDATE feedback_reports SET answered_at = answered_at - 8 * 1440 WHERE code = '${code}'`);
  const closed = await until('auto-close', async () => {
    const b = (await as(s2, ioc, `/api/v1/feedback/${code}`)).body;
    return b.status === 'closed' && b;
  });
  assert.equal(closed.rating, null);
  const c = await as(s2, cit, `/api/v1/feedback/${code}/actions`, 'POST', { action: 'rate', rating: 3 });
  assert.equal(c.status, 200, 'a closed report not yet rated can still be rated');
});

test('the statistics count reports per agency, category and commune, as JSON, CSV and Excel', async () => {
  const st = await srv.json('/api/v1/stats/feedback?by=agency');
  assert.equal(st.status, 200, JSON.stringify(st.body));
  const sxd = st.body.rows.find((r) => r.key === SXD);
  assert.equal(sxd.name, 'Sở Xây dựng');
  assert.ok(sxd.received >= 3, JSON.stringify(sxd));
  assert.ok(sxd.answered_on_time >= 2, 'the construction reports answered in time');
  assert.equal(sxd.answered_late, 0);
  assert.ok(sxd.rated >= 1 && sxd.ratings[3] >= 1, 'the rating of 4');
  assert.ok(sxd.average_hours !== null && sxd.average_hours >= 0);
  const syt = st.body.rows.find((r) => r.key === SYT);
  assert.ok(syt.answered_on_time + syt.answered_late >= 1);
  assert.equal(st.body.total.received, st.body.rows.reduce((a, r) => a + r.received, 0));
  const byCat = (await srv.json('/api/v1/stats/feedback?by=category')).body.rows;
  assert.equal(byCat.find((r) => r.key === 'xay-dung').name, 'Xây dựng trái phép, sai phép');
  // CSV: a BOM, Vietnamese headings, one line per agency and a total
  const csv = await srv.fetch('/api/v1/stats/feedback?by=agency&format=csv');
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const text = await csv.text();
  assert.match(text, /^\ufeff?Mã,Cơ quan,Tiếp nhận/);
  assert.match(text, /Sở Xây dựng/);
  assert.match(text, /Tổng cộng/);
  const xlsx = await srv.fetch('/api/v1/stats/feedback?format=xlsx');
  assert.equal(xlsx.status, 200);
  const buf = Buffer.from(await xlsx.arrayBuffer());
  assert.equal(buf.subarray(0, 2).toString('latin1'), 'PK', 'a zip (xlsx) file');
  // the Decision 766 scorecard takes its feedback indicators from here
  const si = await srv.json('/api/v1/service-index');
  assert.equal(si.status, 200);
  const card = si.body.scorecards.find((c) => c.agency === SXD);
  const sat = card.groups.find((g) => g.id === 'satisfaction').indicators;
  const onTime = sat.find((i) => i.id === 'feedback_on_time');
  assert.equal(onTime.available, true, JSON.stringify(onTime));
  assert.equal(onTime.denominator, sxd.answered_on_time + sxd.answered_late);
  assert.equal(onTime.numerator, sxd.answered_on_time);
  const happy = sat.find((i) => i.id === 'feedback_satisfaction');
  assert.equal(happy.denominator, sxd.rated);
  const prov = si.body.scorecards[0];
  assert.equal(prov.groups.find((g) => g.id === 'satisfaction').indicators.find((i) => i.id === 'feedback_on_time').denominator,
    st.body.total.answered_on_time + st.body.total.answered_late);
  // bad periods and filters
  assertProblem(await srv.json('/api/v1/stats/feedback?by=bogus'), 400, 'by');
  assertProblem(await srv.json('/api/v1/stats/feedback?from=2026-12-31&to=2026-01-01'), 400, 'from');
  assertProblem(await srv.json('/api/v1/stats/feedback?from=2026-02-30'), 400, 'from');
});

test('photos: checked by content, the point taken from EXIF, published without metadata by the job, blurred on request', async () => {
  const { readFileSync } = await import('node:fs');
  const corpus = new URL('../fuzz/corpus/image_inspect/', import.meta.url);
  const jpg = readFileSync(new URL('gps.jpg', corpus));
  const s3 = await server({ jobs_every_seconds: 1 });
  const cit = await signedIn(s3, 'nguoidan1');
  const r = await as(s3, cit, '/api/v1/feedback', 'POST', {
    category: 'an-toan-thuc-pham', title: 'Thịt lợn không rõ nguồn gốc', description: 'Bán ở chợ, không có tem kiểm dịch.',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  assert.equal(r.body.lat, null);
  const up = (body, type, name = 'anh.jpg', user = cit) => s3.json(`/api/v1/feedback/${code}/photos?filename=${name}`, {
    method: 'POST', body, headers: { Cookie: `tinhso_session=${user.cookie}`, 'X-CSRF-Token': user.csrf, 'Content-Type': type },
  });
  // files that lie or are not photos change nothing
  for (const [f, type, status] of [['text.jpg', 'image/jpeg', 422], ['bomb.png', 'image/png', 422], ['one.gif', 'image/gif', 422], ['small.png', 'image/jpeg', 415]]) {
    const b = await up(readFileSync(new URL(f, corpus)), type, f);
    assertProblem(b, status);
  }
  assertProblem(await up(Buffer.alloc(0), 'image/jpeg'), 422);
  assert.equal(sql(s3, 'SELECT COUNT(*) FROM feedback_photos'), '0');
  // someone else cannot add to my report
  const other = await signedIn(s3, 'nguoidan2');
  assertProblem(await up(jpg, 'image/jpeg', 'anh.jpg', other), 404);
  const ok1 = await up(jpg, 'image/jpeg');
  assert.equal(ok1.status, 201, JSON.stringify(ok1.body));
  assert.equal(ok1.body.photo_count, 1);
  assert.equal(ok1.body.located, 'photo', 'the EXIF position became the report\'s point');
  assert.ok(ok1.body.lat !== null && ok1.body.lon !== null);
  assert.equal(ok1.body.photos[0].state, 'pending');
  // accepted, it is public; the job publishes the photo without any metadata
  const ioc = await signedIn(s3, 'ioc.canbo1');
  assert.equal((await as(s3, ioc, `/api/v1/feedback/${code}/actions`, 'POST', { action: 'accept' })).status, 200);
  const ready = await until('the published photo', async () => {
    const p = (await s3.json(`/api/v1/public/feedback/${code}`)).body;
    return p.photos.length === 1 && p.photos[0].state === 'ready' && p;
  });
  const pub = await s3.fetch(ready.photos[0].url);
  assert.equal(pub.status, 200);
  assert.equal(pub.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await pub.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString('hex'), 'ffd8');
  assert.ok(!bytes.includes(Buffer.from('Exif\0\0', 'latin1')), 'no EXIF in the published photo');
  assert.ok(!bytes.includes(Buffer.from('http://ns.adobe.com/xap', 'latin1')), 'no XMP');
  const th = await s3.fetch(ready.photos[0].thumb_url);
  assert.equal(th.status, 200);
  assert.ok(!Buffer.from(await th.arrayBuffer()).includes(Buffer.from('Exif\0\0', 'latin1')));
  assert.equal(ready.photos[0].original_url, undefined, 'the public never gets the original');
  // the original: staff only
  assert.equal((await s3.fetch(`/api/v1/feedback/${code}/photos/1/original`)).status, 401);
  const orig = await s3.fetch(`/api/v1/feedback/${code}/photos/1/original`, { headers: { Cookie: `tinhso_session=${ioc.cookie}` } });
  assert.equal(orig.status, 200);
  assert.ok(Buffer.from(await orig.arrayBuffer()).equals(jpg), 'the agency sees what was sent');
  // blur a region: the photo is made again, different from before
  const bl = await as(s3, ioc, `/api/v1/feedback/${code}/photos/1/blur`, 'POST', { rects: [{ left: 0, top: 0, width: 8, height: 8 }] });
  assert.equal(bl.status, 200, JSON.stringify(bl.body));
  assertProblem(await as(s3, ioc, `/api/v1/feedback/${code}/photos/1/blur`, 'POST', { rects: [{ left: 0, top: 0, width: 0, height: 8 }] }), 422, 'rects[0].width');
  assertProblem(await as(s3, await signedIn(s3, 'sxd.canbo1'), `/api/v1/feedback/${code}/photos/1/blur`, 'POST', { rects: [] }), 404);
  await until('the blurred photo', async () => {
    const p = (await s3.json(`/api/v1/public/feedback/${code}`)).body;
    return p.photos.length === 1 && p.photos[0].state === 'ready' && p;
  });
  const again = Buffer.from(await (await s3.fetch(ready.photos[0].url)).arrayBuffer());
  assert.ok(!again.equals(bytes), 'the blurred photo differs');
  // hidden by moderation: off the public page
  assert.equal((await as(s3, ioc, `/api/v1/feedback/${code}/actions`, 'POST', { action: 'moderate', hide_photo: 1 })).status, 200);
  assert.equal((await s3.json(`/api/v1/public/feedback/${code}`)).body.photos.length, 0);
  assert.equal((await s3.fetch(ready.photos[0].url)).status, 404);
  // at most five
  for (let i = 2; i <= 5; i++) assert.equal((await up(jpg, 'image/jpeg')).status, 201);
  assertProblem(await up(jpg, 'image/jpeg'), 409);
});

test('a point routes the report to its commune\'s committee; a point outside the province goes to the intake point, flagged', async () => {
  const r = await report('nguoidan1', {
    category: 'rac-thai', title: 'Rác tồn đọng cạnh chợ', description: 'Rác không được thu gom ba ngày nay.',
    lat: 21.287932, lon: 106.220648,
  });
  assert.equal(r.unit_code, '07210');
  assert.equal(r.unit_name, 'Phường Bắc Giang');
  assert.equal(r.agency, '072.10.90.H06', 'the committee of Phường Bắc Giang');
  assert.equal(r.outside, false);
  await ok('ioc.canbo1', r.code, { action: 'accept' });
  // the commune's officer answers; another commune's officer cannot
  assertProblem(await act('xa2.canbo', r.code, { action: 'answer', answer: 'x' }), 404);
  const v = await ok('xa1.canbo', r.code, { action: 'answer', template: 1 });
  assert.match(v.answer, /Cảm ơn ông\/bà đã phản ánh/);
  const byUnit = (await srv.json('/api/v1/stats/feedback?by=unit')).body.rows;
  assert.ok(byUnit.find((x) => x.key === '07210' && x.answered_on_time >= 1 && x.name === 'Phường Bắc Giang'));
  // Hà Nội: outside the province
  const out = await report('nguoidan1', { category: 'rac-thai', title: 'Rác', description: 'Rác ở Hà Nội.', lat: 21.0285, lon: 105.8542 });
  assert.equal(out.outside, true);
  assert.equal(out.agency, IOC);
  assert.equal(out.unit_code, null);
  // the intake officer routes it on
  const moved = await ok('ioc.canbo1', out.code, { action: 'route', agency: '072.28.90.H06', note: 'Địa chỉ thực tế ở phường Đa Mai' });
  assert.equal(moved.agency, '072.28.90.H06');
  assert.equal(moved.status, 'accepted');
});

test('response templates: staff read them, a citizen cannot', async () => {
  const t = await as(srv, await who('sxd.canbo1'), '/api/v1/feedback-templates');
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.ok(t.body.items.length >= 3);
  assert.ok(t.body.items.some((i) => i.title === 'Đã xử lý xong' && /Cảm ơn ông\/bà/.test(i.body)));
  assertProblem(await as(srv, await who('nguoidan1'), '/api/v1/feedback-templates'), 403);
  assert.equal((await srv.json('/api/v1/feedback-templates')).status, 401);
  // an agency's leader keeps its own; an officer, or another agency's leader, may not
  const body = { agency: SXD, title: 'Đã đình chỉ thi công', body: 'Sở Xây dựng đã lập biên bản và đình chỉ thi công công trình.' };
  assertProblem(await as(srv, await who('sxd.canbo1'), '/api/v1/feedback-templates', 'POST', body), 403);
  assertProblem(await as(srv, await who('syt.lanhdao'), '/api/v1/feedback-templates', 'POST', body), 403);
  assertProblem(await as(srv, await who('sxd.lanhdao'), '/api/v1/feedback-templates', 'POST', { ...body, agency: null }), 403);
  assertProblem(await as(srv, await who('sxd.lanhdao'), '/api/v1/feedback-templates', 'POST', { ...body, category: 'khong-co' }), 404, 'category');
  const made = await as(srv, await who('sxd.lanhdao'), '/api/v1/feedback-templates', 'POST', body);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  // the department's officers see it; the health department's do not
  assert.ok((await as(srv, await who('sxd.canbo1'), '/api/v1/feedback-templates')).body.items.some((i) => i.id === made.body.id));
  assert.ok(!(await as(srv, await who('syt.canbo1'), '/api/v1/feedback-templates')).body.items.some((i) => i.id === made.body.id));
  // and cannot answer with it
  const r = await report('nguoidan2', { category: 'an-toan-thuc-pham', title: 'Thực phẩm bẩn', lat: undefined, lon: undefined });
  await ok('ioc.canbo1', r.code, { action: 'accept' });
  assertProblem(await act('syt.canbo1', r.code, { action: 'answer', template: made.body.id }), 422, 'template');
  assertProblem(await as(srv, await who('syt.lanhdao'), `/api/v1/feedback-templates/${made.body.id}`, 'DELETE'), 403);
  const del = await as(srv, await who('sxd.lanhdao'), `/api/v1/feedback-templates/${made.body.id}`, 'DELETE');
  assert.equal(del.status, 204);
  assertProblem(await as(srv, await who('sxd.lanhdao'), `/api/v1/feedback-templates/${made.body.id}`, 'DELETE'), 404, 'id');
});

test('without signing in: a one-time code to the phone, one report with it, floods refused', async () => {
  const s4 = await server({ outbox_drain: false });
  const admin = await signedIn(s4, 'quantri');
  const otp = (body) => s4.json('/api/v1/public/feedback-otp', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const send = (body) => s4.json('/api/v1/public/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const codeFor = (phone) => {
    const body = sql(s4, `SELECT body FROM outbox WHERE recipient = '${phone}' AND topic = 'feedback.otp' ORDER BY id DESC LIMIT 1`);
    return /\b(\d{6})\b/.exec(body)[1];
  };
  const report = { category: 'chieu-sang', title: 'Đèn đường hỏng', description: 'Cả đoạn đường tối om.', lat: 21.287932, lon: 106.220648 };
  // the province has not allowed it
  assertProblem(await otp({ phone: '0912345001' }), 403);
  assertProblem(await send({ ...report, phone: '0912345001', otp: '123456' }), 403);
  assert.equal((await as(s4, admin, '/api/v1/feedback-settings', 'PUT', { anonymous: true })).status, 200);
  // a code to the phone; a wrong one is refused and counted; the right one files the report once
  let r = await otp({ phone: '0912345001' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const code = codeFor('0912345001');
  assertProblem(await otp({}), 422, 'phone');
  assertProblem(await send({ ...report, phone: '0912345001', otp: code === '000000' ? '111111' : '000000' }), 422, 'otp');
  assert.equal(sql(s4, "SELECT attempts FROM feedback_otps WHERE target = 'phone:0912345001'"), '1');
  assert.equal(sql(s4, 'SELECT COUNT(*) FROM feedback_reports'), '0', 'nothing filed');
  r = await send({ ...report, phone: '0912345001', otp: code, name: 'Người dân' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.reporter_phone, '0912345001');
  assert.ok(r.body.token, 'the reporter\'s token: their way back to the report');
  const { code: pa, token } = r.body;
  assertProblem(await send({ ...report, phone: '0912345001', otp: code }), 422, 'otp'); // used once
  // the reporter without an account rates the answer with the token
  const ioc = await signedIn(s4, 'ioc.canbo1');
  assert.equal((await as(s4, ioc, `/api/v1/feedback/${pa}/actions`, 'POST', { action: 'accept' })).status, 200);
  const xa = await signedIn(s4, 'xa1.canbo');
  assert.equal((await as(s4, xa, `/api/v1/feedback/${pa}/actions`, 'POST', { action: 'answer', answer: 'Đã thay bóng đèn.' })).status, 200);
  const pub = (body) => s4.json(`/api/v1/public/feedback/${pa}/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assertProblem(await pub({ action: 'rate', rating: 5, token: 'x'.repeat(24) }), 403, 'token');
  assertProblem(await pub({ action: 'answer', token }), 422, 'action');
  r = await pub({ action: 'rate', rating: 5, fixed: true, token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'closed');
  // three codes an hour to one phone
  assert.equal((await otp({ phone: '0912345002' })).status, 202);
  assert.equal((await otp({ phone: '0912345002' })).status, 202);
  assert.equal((await otp({ phone: '0912345002' })).status, 202);
  assertProblem(await otp({ phone: '0912345002' }), 429);
  // a flood of requests for codes from one address: the eleventh in ten minutes waits
  for (let i = 0; i < 10 && r.status !== 429; i++) r = await otp({ email: `a${i}@example.vn` });
  assertProblem(r, 429);
  assert.match(r.body.detail, /quá nhiều yêu cầu/);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  // a flood of reports from one address: twenty an hour
  let last;
  for (let i = 0; i < 21; i++) last = await send({ ...report, phone: '0912345003', otp: '999999' });
  assertProblem(last, 429);
  assert.equal(sql(s4, 'SELECT COUNT(*) FROM feedback_reports'), '1');
});
