// The statistics form and the Decision 766 scorecard over a generated year
// of dossiers (`tinhso demo --dossiers 3000`), on SQLite or PostgreSQL:
// the figures add up and agree with the dossiers themselves, they change the
// moment a dossier is filed or finished (live, no batch tables), CSV and
// Excel carry the same rows, the scorecard is scored from its data file with
// the indicators tinhso has no source for shown as not available, and bad
// periods are named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshDb, cli } from './lib/server.mjs';
import { assertProblem, signedIn, as } from './lib/helpers.mjs';

let srv;
const N = 3000;
before(async () => {
  const db = freshDb();
  const r = cli(['demo', '--db', db.url, '--dossiers', String(N)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`dossiers: ${N} in`));
  srv = await startServer({ db, demo: false });
});
after(async () => { if (srv) await srv.close(); });

const sql = (q) => (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q)).trim();
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
const yearAgo = () => new Date(Date.now() + 7 * 3600e3 - 400 * 86400e3).toISOString().slice(0, 10);

test('the demo generates a year once; a second run adds nothing; a bad count is a usage error', () => {
  const again = cli(['demo', '--db', srv.db.url, '--dossiers', '10']);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already; none added/);
  assert.equal(Number(sql("SELECT COUNT(*) FROM dossiers WHERE created_by = 'demo'")), N);
  const bad = cli(['demo', '--db', srv.db.url, '--dossiers', 'nhiều']);
  assert.equal(bad.status, 2);
  // every code unique, shaped right; the counters continue after the demo's numbers
  assert.equal(Number(sql('SELECT COUNT(DISTINCT code) FROM dossiers')), N);
  assert.equal(Number(sql("SELECT COUNT(*) FROM dossiers WHERE code NOT LIKE '%.H06-______-____'")), 0);
  // a year of history, by channel and outcome
  assert.ok(Number(sql('SELECT COUNT(DISTINCT receiving) FROM dossiers')) > 20);
  assert.ok(Number(sql('SELECT COUNT(*) FROM dossiers WHERE supplements > 0')) > N * 0.04);
  assert.ok(Number(sql('SELECT COUNT(*) FROM dossiers WHERE status = 10 AND rating IS NOT NULL')) > N * 0.3);
  assert.ok(Number(sql('SELECT COUNT(*) FROM dossier_events')) > N * 4);
});

test('the form adds up and agrees with the dossiers themselves', async () => {
  const r = await srv.json(`/api/v1/stats/dossiers?from=${yearAgo()}&to=${today()}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const t = r.body.total;
  assert.equal(t.received, t.received_online + t.received_counter + t.received_post);
  assert.equal(t.carried_over, 0, 'the period starts before the first dossier');
  const takenIn = Number(sql('SELECT COUNT(*) FROM dossiers WHERE in_at IS NOT NULL'));
  assert.equal(t.received, takenIn);
  assert.equal(t.finished + t.in_progress + t.withdrawn + t.refused + t.stopped, takenIn);
  const late = Number(sql('SELECT COUNT(*) FROM dossiers WHERE finished_at > due_at'));
  assert.equal(t.finished_late, late);
  assert.equal(t.supplement_requests, Number(sql('SELECT COUNT(*) FROM dossier_pauses')));
  // the rows add up to the total
  for (const k of ['received_online', 'finished_early', 'finished_on_time', 'in_progress_overdue', 'withdrawn', 'rated'])
    assert.equal(r.body.rows.reduce((s, x) => s + x[k], 0), t[k], k);
  const stp = r.body.rows.find((x) => x.agency === '000.00.03.H06');
  assert.equal(stp.agency_name, 'Sở Tư pháp');
  assert.ok(stp.on_time_percent > 50 && stp.on_time_percent <= 100);
  // one agency's subtree; by receiving agency
  const one = await srv.json(`/api/v1/stats/dossiers?agency=000.00.03.H06&from=${yearAgo()}&to=${today()}`);
  assert.deepEqual(one.body.rows.map((x) => x.agency), ['000.00.03.H06']);
  assert.equal(one.body.total.received, stp.received);
  const byr = await srv.json(`/api/v1/stats/dossiers?by=receiving&from=${yearAgo()}&to=${today()}`);
  assert.ok(byr.body.rows.some((x) => x.agency === '000.20.01.H06'), 'the centre receives for the departments');
  assert.equal(byr.body.total.received, t.received);
});

test('drill-down: the dossiers behind each figure of the form are exactly as many as it says', async () => {
  const from = yearAgo(), to = today();
  const form = (await srv.json(`/api/v1/stats/dossiers?from=${from}&to=${to}`)).body;
  const leader = await signedIn(srv, 'syt.lanhdao');
  const province = await signedIn(srv, 'quantri');
  const row = form.rows.find((x) => x.agency === '000.00.03.H06');
  for (const m of ['received_online', 'received_counter', 'finished_early', 'finished_on_time', 'finished_late', 'in_progress_within', 'in_progress_overdue', 'withdrawn', 'refused', 'stopped']) {
    const r = await as(srv, province, `/api/v1/dossiers?queue=all&measure=${m}&from=${from}&to=${to}&implementing=000.00.03.H06&limit=200`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.total, row[m], `${m} of Sở Tư pháp`);
    const all = await as(srv, province, `/api/v1/dossiers?queue=all&measure=${m}&from=${from}&to=${to}&limit=1`);
    assert.equal(all.body.total, form.total[m], `${m} of the province`);
  }
  const late = await as(srv, province, `/api/v1/dossiers?queue=all&measure=finished_late&from=${from}&to=${to}&implementing=000.00.03.H06&limit=200`);
  for (const d of late.body.items) assert.ok(d.finished_at > d.due_at, `${d.code} finished after its due instant`);
  // another department's leader finds none of Sở Tư pháp's; the public none; a bad measure or period is named
  const other = await as(srv, leader, `/api/v1/dossiers?queue=all&measure=finished_on_time&from=${from}&to=${to}&implementing=000.00.03.H06`);
  assert.equal(other.status, 200);
  assert.ok(row.finished_on_time > 0);
  assert.equal(other.body.total, 0);
  assert.equal((await srv.json(`/api/v1/dossiers?queue=all&measure=finished_late&from=${from}&to=${to}`)).status, 401);
  assertProblem(await as(srv, province, `/api/v1/dossiers?queue=all&measure=everything&from=${from}&to=${to}`), 400, 'measure');
  assertProblem(await as(srv, province, `/api/v1/dossiers?queue=all&measure=finished_late&from=${to}&to=${from}`), 400, 'to');
  assertProblem(await as(srv, province, `/api/v1/dossiers?queue=all&measure=finished_late&from=2026-13-01`), 400, 'from');
});

test('live: a dossier taken in and finished now shows at once in the form and the scorecard', async () => {
  const q = `from=${today()}&to=${today()}`;
  const before0 = (await srv.json(`/api/v1/stats/dossiers?agency=000.00.03.H06&${q}`)).body.total;
  const idx0 = (await srv.json(`/api/v1/service-index?agency=000.00.03.H06&${q}`)).body.scorecards[0];
  const centre = await signedIn(srv, 'ttpvhcc.canbo1');
  let r = await as(srv, centre, '/api/v1/dossiers', 'POST', { procedure: '2.000488', channel: 'counter', applicant_name: 'Vũ Thị Hạnh' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  let s = (await srv.json(`/api/v1/stats/dossiers?agency=000.00.03.H06&${q}`)).body.total;
  assert.equal(s.received_counter, before0.received_counter + 1);
  assert.equal(s.in_progress_within, before0.in_progress_within + 1);
  const go = async (user, body) => {
    const x = await as(srv, await signedIn(srv, user), `/api/v1/dossiers/${code}/actions`, 'POST', body);
    assert.equal(x.status, 200, JSON.stringify(x.body));
  };
  await go('ttpvhcc.canbo1', { action: 'forward' });
  await go('stp.canbo1', { action: 'forward' });
  await go('stp.lanhdao', { action: 'forward' });
  await go('ttpvhcc.canbo1', { action: 'finish', result_number: '77/LLTP', signer: 'Hoàng Văn Em' });
  s = (await srv.json(`/api/v1/stats/dossiers?agency=000.00.03.H06&${q}`)).body.total;
  assert.equal(s.finished_early + s.finished_on_time, before0.finished_early + before0.finished_on_time + 1);
  assert.equal(s.in_progress_within, before0.in_progress_within);
  const idx = (await srv.json(`/api/v1/service-index?agency=000.00.03.H06&${q}`)).body.scorecards[0];
  const onTime = (c) => c.groups.find((g) => g.id === 'progress').indicators[0];
  assert.equal(onTime(idx).denominator, (onTime(idx0).denominator ?? 0) + 1);
  assert.equal(onTime(idx).numerator, (onTime(idx0).numerator ?? 0) + 1);
});

test('CSV and Excel carry the same rows', async () => {
  const q = `from=${yearAgo()}&to=${today()}`;
  const j = await srv.json(`/api/v1/stats/dossiers?${q}`);
  const c = await srv.fetch(`/api/v1/stats/dossiers?${q}&format=csv`);
  assert.equal(c.status, 200);
  assert.match(c.headers.get('content-type'), /^text\/csv/);
  assert.match(c.headers.get('content-disposition'), /thong-ke-ho-so-.*\.csv/);
  const text = Buffer.from(await c.arrayBuffer());
  assert.deepEqual([...text.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM');
  const lines = text.toString('utf8').slice(1).trim().split('\r\n');
  assert.equal(lines.length, j.body.rows.length + 2);
  assert.match(lines[0], /^Mã cơ quan,Cơ quan,Kỳ trước chuyển qua,Tiếp nhận trực tuyến/);
  assert.match(lines.at(-1), /^,Tổng cộng,/);
  assert.ok(lines.some((l) => l.startsWith('000.00.03.H06,Sở Tư pháp,')));
  const x = await srv.fetch(`/api/v1/stats/dossiers?${q}&format=xlsx`);
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const zip = Buffer.from(await x.arrayBuffer());
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  assert.ok(zip.includes(Buffer.from('xl/worksheets/sheet1.xml')));
  assert.ok(zip.length > 4000);
});

test('the scorecard: scored from its data file; what has no source is not available, not zero', async () => {
  const r = await srv.json(`/api/v1/service-index?from=${yearAgo()}&to=${today()}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.index.legal_basis, /766\/QĐ-TTg/);
  const [prov, ...agencies] = r.body.scorecards;
  assert.equal(prov.agency, null);
  assert.equal(prov.agency_name, 'Toàn tỉnh');
  assert.ok(agencies.length > 20);
  assert.equal(prov.groups.reduce((s, g) => s + g.max, 0), 100);
  let avail = 0;
  for (const g of prov.groups) {
    for (const i of g.indicators) {
      if (!i.available) {
        assert.ok(i.reason && i.reason_en, `${i.id} says why`);
        assert.equal(i.points, undefined);
        continue;
      }
      avail += i.max;
      assert.ok(i.points >= 0 && i.points <= i.max + 1e-9, `${i.id} points within max`);
      const rate = (100 * i.numerator) / i.denominator;
      assert.ok(Math.abs(rate - i.rate_percent) < 0.01);
      const want = rate >= i.threshold_percent ? i.max : (rate * i.max) / i.threshold_percent;
      assert.ok(Math.abs(want - i.points) < 0.01, `${i.id}: ${want} vs ${i.points}`);
    }
  }
  assert.equal(prov.max_available, avail);
  const sat = prov.groups.find((g) => g.id === 'satisfaction');
  assert.equal(sat.indicators.find((i) => i.id === 'feedback_on_time').available, false);
  assert.equal(sat.indicators.find((i) => i.id === 'handling_satisfaction').available, true);
  // more than one supplement request counts a dossier late in the index
  const prog = prov.groups.find((g) => g.id === 'progress').indicators[0];
  const lateIdx = Number(sql('SELECT COUNT(*) FROM dossiers WHERE finished_at IS NOT NULL AND (finished_at > due_at OR supplements > 1)'));
  assert.equal(prog.denominator - prog.numerator, lateIdx);
  // a commune committee's card counts the commune-level catalogue
  const commune = agencies.find((c) => /^\d{3}\.\d{2}\.90\.H06$/.test(c.agency) && c.groups[0].indicators[2].available);
  assert.ok(commune, 'a commune scorecard');
});

test('bad periods and agencies are named; the province is public, no sign-in needed', async () => {
  assertProblem(await srv.json('/api/v1/stats/dossiers?from=2026-13-01'), 400, 'from');
  assertProblem(await srv.json('/api/v1/stats/dossiers?from=2026-05-01&to=2026-04-01'), 400, 'to');
  assertProblem(await srv.json('/api/v1/stats/dossiers?from=2010-01-01&to=2026-01-01'), 400, 'from');
  assertProblem(await srv.json('/api/v1/stats/dossiers?format=pdf'), 400, 'format');
  assertProblem(await srv.json('/api/v1/stats/dossiers?by=owner'), 400, 'by');
  assertProblem(await srv.json('/api/v1/stats/dossiers?agency=000.99.99.H06'), 404);
  assertProblem(await srv.json('/api/v1/service-index?agency=bad'), 400, 'agency');
  const r = await srv.json('/api/v1/stats/dossiers');
  assert.equal(r.status, 200);
  assert.equal(r.body.from, `${today().slice(0, 4)}-01-01`, 'this year by default');
  assert.equal(r.body.to, today());
});
