// An agency's own working hours: the demo service centre's Saturday
// mornings, inheritance from the nearest ancestor, versions that never reach
// back (a deadline already counted keeps its hours), the deadline and the
// year view counted with an agency's hours, and the refusals: the wrong
// role, the wrong agency, a day in the past, malformed periods — with the
// field named and nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as } from './lib/helpers.mjs';
import { cli } from './lib/server.mjs';

const fx = serverForFile();
const CENTRE = '000.20.01.H06';
const STP = '000.00.03.H06'; // Sở Tư pháp
const STP_DIV = '000.01.03.H06'; // its Phòng Hành chính tư pháp
const SYT = '000.00.07.H06'; // Sở Y tế
const DEFAULT = [[], ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'],
  ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'], []];
const withSaturday = (sat = ['07:30-11:30']) => [...DEFAULT.slice(0, 6), sat];
// today and later days in Vietnam (UTC+7), as the server counts them
const vnDay = (plus = 0) => new Date(Date.now() + 7 * 3600e3 + plus * 86400e3).toISOString().slice(0, 10);
const hoursUrl = (code, at) => `/api/v1/agencies/${code}/working-hours${at ? `?at=${at}` : ''}`;

test('the demo centre works Saturday mornings; a department has the province default', async () => {
  let r = await fx.srv.json(hoursUrl(CENTRE));
  assert.equal(r.status, 200);
  assert.equal(r.body.source_agency, CENTRE);
  assert.equal(r.body.effective_from, '2025-07-01');
  assert.deepEqual(r.body.working_hours, withSaturday());
  assert.equal(r.body.versions.length, 1);
  // before the two-level government began: the default
  r = await fx.srv.json(hoursUrl(CENTRE, '2025-06-30'));
  assert.equal(r.body.source_agency, null);
  assert.deepEqual(r.body.working_hours, DEFAULT);
  r = await fx.srv.json(hoursUrl(SYT));
  assert.equal(r.body.source_agency, null);
  assert.deepEqual(r.body.working_hours, DEFAULT);
  assert.deepEqual(r.body.versions, []);
  assertProblem(await fx.srv.json(hoursUrl('000.99.99.H06')), 404);
  assertProblem(await fx.srv.json(hoursUrl('not-a-code')), 404);
  assertProblem(await fx.srv.json(hoursUrl(CENTRE, '2026-02-30')), 400, 'at');
});

test('deadlines and the year view count with the receiving agency\'s hours', async () => {
  // Friday 6/3/2026 16:00 + 1 working day: Monday 10:30 at the centre
  // (1 h Friday, 4 h Saturday, 3 h Monday), Monday 16:00 elsewhere
  const q = '/api/v1/calendar/deadline?from=2026-03-06T16:00&working_days=1';
  let r = await fx.srv.json(`${q}&agency=${CENTRE}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.due, '2026-03-09T10:30+07:00');
  assert.equal(r.body.hours_agency, CENTRE);
  r = await fx.srv.json(`${q}&agency=${SYT}`);
  assert.equal(r.body.due, '2026-03-09T16:00+07:00');
  assert.equal(r.body.hours_agency, null);
  // where it stands: at Monday 11:00 the centre is 30 working minutes late
  r = await fx.srv.json(`${q}&agency=${CENTRE}&at=2026-03-09T11:00`);
  assert.equal(r.body.state, 'overdue');
  assert.equal(r.body.overdue_working_minutes, 30);
  r = await fx.srv.json(`${q}&at=2026-03-09T11:00`);
  assert.equal(r.body.state, 'running');
  assert.equal(r.body.remaining_working_minutes, 210);
  assertProblem(await fx.srv.json(`${q}&at=2026-13-01T10:00`), 400, 'at');
  assertProblem(await fx.srv.json(`${q}&agency=000.99.99.H06`), 404);
  // a holiday on a Saturday closes the centre too: Sat 1/5/2027
  r = await fx.srv.json(`/api/v1/calendar/deadline?from=2027-04-29T16:00&working_hours=2&agency=${CENTRE}`);
  assert.equal(r.body.due, '2027-05-04T08:30+07:00');
  const y = await fx.srv.json(`/api/v1/calendar/2026?agency=${CENTRE}`);
  assert.deepEqual(y.body.working_hours[6], ['07:30-11:30']);
  assert.equal(y.body.hours_agency, CENTRE);
  assert.deepEqual((await fx.srv.json('/api/v1/calendar/2026')).body.working_hours[6], []);
});

test('changing hours: only the agency\'s administrator (or above), nothing written otherwise', async () => {
  const body = { effective_from: vnDay(1), working_hours: withSaturday() };
  const sessions = [];
  for (const user of ['stp.canbo1', 'stp.lanhdao', 'syt.quantri']) sessions.push(await signedIn(fx.srv, user));
  const before = auditCount(fx.srv.db.url); // after the sign-ins, which are audited
  assertProblem(await fx.srv.json(hoursUrl(STP), {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }), 401);
  // an officer and a leader of Sở Tư pháp; Sở Y tế's administrator on Sở Tư pháp
  for (const sess of sessions) assertProblem(await as(fx.srv, sess, hoursUrl(STP), 'PUT', body), 403);
  assert.equal(auditCount(fx.srv.db.url), before);
  assert.deepEqual((await fx.srv.json(hoursUrl(STP))).body.versions, []);
});

test('bad hours: every problem named, nothing written', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const before = auditCount(fx.srv.db.url);
  const put = (b) => as(fx.srv, stp, hoursUrl(STP), 'PUT', b);
  let r = await put({
    effective_from: vnDay(2),
    working_hours: [[], ['7:30-11:30'], ['11:30-07:30'], ['07:30-11:30', '11:00-17:00'], ['07:30-11:30', '13:00-17:00', '18:00-19:00'],
      ['25:00-26:00'], [42]],
  });
  assertProblem(r, 422);
  const fields = r.body.errors.map((e) => e.field);
  for (const f of ['working_hours[1][0]', 'working_hours[2][0]', 'working_hours[3][1]', 'working_hours[4]', 'working_hours[5][0]', 'working_hours[6][0]'])
    assert.ok(fields.includes(f), `${f} in ${fields}`);
  assert.match(r.body.errors.find((e) => e.field === 'working_hours[3][1]').message, /khoảng thứ nhất|first one/);
  assertProblem(await put({ effective_from: vnDay(2), working_hours: DEFAULT.slice(0, 6) }), 422, 'working_hours');
  assertProblem(await put({ effective_from: vnDay(2), working_hours: [[], [], [], [], [], [], []] }), 422, 'working_hours');
  assertProblem(await put({ effective_from: '2026-02-30', working_hours: DEFAULT }), 422, 'effective_from');
  // a version that would reach back into deadlines already counted
  r = await put({ effective_from: vnDay(-1), working_hours: DEFAULT });
  assertProblem(r, 422, 'effective_from');
  assertProblem(await put({ working_hours: DEFAULT }), 422, 'effective_from');
  assertProblem(await put({ effective_from: vnDay(2) }), 422, 'working_hours');
  assert.equal(auditCount(fx.srv.db.url), before);
  assert.deepEqual((await fx.srv.json(hoursUrl(STP))).body.versions, []);
});

test('a new version from tomorrow: audited, inherited by the division, never reaching back', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const before = auditCount(fx.srv.db.url);
  const tomorrow = vnDay(1);
  let r = await as(fx.srv, stp, hoursUrl(STP), 'PUT', { effective_from: tomorrow, working_hours: withSaturday(['08:00-11:00']) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.effective_from, tomorrow);
  assert.deepEqual(r.body.working_hours[6], ['08:00-11:00']);
  assert.equal(auditCount(fx.srv.db.url), before + 1);
  // today the old hours still hold; from tomorrow the new ones, for the division too
  assert.equal((await fx.srv.json(hoursUrl(STP))).body.source_agency, null);
  r = await fx.srv.json(hoursUrl(STP_DIV, tomorrow));
  assert.equal(r.body.source_agency, STP);
  assert.deepEqual(r.body.working_hours[6], ['08:00-11:00']);
  // one version per day: a second one for the same day is a conflict
  assertProblem(await as(fx.srv, stp, hoursUrl(STP), 'PUT', { effective_from: tomorrow, working_hours: DEFAULT }), 409, 'effective_from');
  // the division goes back to its parent's hours... it already does; give it its own, then inherit again
  const later = vnDay(10);
  r = await as(fx.srv, stp, hoursUrl(STP_DIV), 'PUT', { effective_from: vnDay(5), working_hours: DEFAULT });
  assert.equal(r.status, 200);
  assert.equal(r.body.source_agency, STP_DIV);
  r = await as(fx.srv, stp, hoursUrl(STP_DIV), 'PUT', { effective_from: later, working_hours: null });
  assert.equal(r.status, 200);
  assert.equal(r.body.source_agency, STP);
  assert.deepEqual(r.body.versions.map((v) => v.working_hours === null), [false, true]);
  // the system administrator may change any agency's hours
  r = await fx.srv.admin(hoursUrl(SYT), 'PUT', { effective_from: later, working_hours: DEFAULT });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(auditCount(fx.srv.db.url), before + 4);
  // the year view of the agency changes with the calendar version (cache)
  const y = await fx.srv.json(`/api/v1/calendar/2026?agency=${STP_DIV}`);
  assert.equal(y.body.hours_agency, null); // today: nothing of its own or its parent's yet
});

test('CLI: holidays and deadlines from a database see what was entered there', async () => {
  const db = fx.srv.db.url;
  const r = await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', {
    days: [{ date: '2027-01-09', kind: 'swap_work', name: 'Làm bù', name_en: 'Worked', ref: 'Thông báo (thử nghiệm)' }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const run = (args) => {
    const o = cli(['calendar', ...args]);
    assert.equal(o.status, 0, `${args.join(' ')}: ${o.stderr}`);
    return JSON.parse(o.stdout);
  };
  assert.ok(run(['holidays', '2027', '--db', db]).some((d) => d.date === '2027-01-09' && d.kind === 'swap_work'));
  assert.ok(!run(['holidays', '2027']).some((d) => d.date === '2027-01-09'));
  const d = run(['deadline', '--from', '2026-03-06T16:00', '--working-days', '1', '--db', db, '--agency', CENTRE, '--at', '2026-03-09T11:00']);
  assert.deepEqual(d, {
    due: '2026-03-09T10:30+07:00', counted_from: '2026-03-06T16:00+07:00', agency: CENTRE, hours_agency: CENTRE,
    at: '2026-03-09T11:00', state: 'overdue', remaining_working_minutes: 0, overdue_working_minutes: 30,
  });
  // --agency needs a database; an unknown agency is refused
  assert.equal(cli(['calendar', 'deadline', '--from', '2026-03-06T16:00', '--working-days', '1', '--agency', CENTRE]).status, 2);
  const bad = cli(['calendar', 'deadline', '--from', '2026-03-06T16:00', '--working-days', '1', '--db', db, '--agency', '000.99.99.H06']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stdout, '');
});
