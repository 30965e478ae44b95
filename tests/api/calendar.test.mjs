// The calendar over HTTP: a year (days off, swaps, lunar dates), deadlines in
// working time, and the yearly schedule a system administrator enters —
// versioned (a deadline computed before keeps its schedule unless the change
// is retroactive), audited, refused with the field named and nothing
// written for bad days, wrong roles and anonymous callers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as } from './lib/helpers.mjs';

const fx = serverForFile();

const tet2027 = (extra = {}) => ({
  // complete for the year: New Year's Day and Tết (the rest left out for the test)
  days: ['2027-01-01', '2027-02-04', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10'].map((date) => ({
    date, kind: 'holiday', name: 'Tết', name_en: 'Tết', ref: 'Quyết định (thử nghiệm) năm 2027',
  })),
  ...extra,
});

test('a year: the official 2026 schedule, every day with its lunar date', async () => {
  const r = await fx.srv.json('/api/v1/calendar/2026');
  assert.equal(r.status, 200);
  assert.equal(r.body.year_name, 'Bính Ngọ');
  assert.equal(r.body.source, 'official');
  assert.equal(r.body.days.length, 365);
  const tet = r.body.days.find((d) => d.date === '2026-02-17');
  assert.deepEqual(tet, { date: '2026-02-17', kind: 'holiday', lunar: { day: 1, month: 1, year: 2026, leap: false } });
  assert.equal(r.body.days.find((d) => d.date === '2026-01-10').kind, 'swap_work');
  assert.ok(r.body.entries.every((e) => e.ref && e.name && e.name_en));
  assert.deepEqual(r.body.working_hours[1], ['07:30-11:30', '13:00-17:00']);
  assert.deepEqual(r.body.working_hours[0], []);
  for (const y of ['1800', '2200', 'abcd', '20260']) assertProblem(await fx.srv.json(`/api/v1/calendar/${y}`), 404);
});

test('deadline: across Tết; the question must be one', async () => {
  let r = await fx.srv.json('/api/v1/calendar/deadline?from=2026-02-13T10:00&working_days=3');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { due: '2026-02-25T10:00+07:00', counted_from: '2026-02-13T10:00+07:00', working_minutes: 1440 });
  r = await fx.srv.json('/api/v1/calendar/deadline?from=2026-03-03T15:01&working_hours=4&same_day=true');
  assert.equal(r.body.due, '2026-03-04T11:30+07:00');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2026-03-03T10:00&working_days=2&days=3'), 400, 'working_days');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2026-03-03T10:00'), 400, 'working_days');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2026-02-30T10:00&days=1'), 400, 'from');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?working_days=1'), 400, 'from');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2026-03-03T10:00&working_days=0'), 400, 'working_days');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2026-03-03T10:00&days=1&same_day=yes'), 400, 'same_day');
  assertProblem(await fx.srv.json('/api/v1/calendar/deadline?from=2100-12-30T10:00&working_days=60'), 400, 'from');
});

test('entering a schedule: only a system administrator, nothing written otherwise', async () => {
  const put = (sess) => as(fx.srv, sess, '/api/v1/calendar/2027/schedule', 'PUT', tet2027());
  assertProblem(await fx.srv.json('/api/v1/calendar/2027/schedule', {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(tet2027()),
  }), 401);
  for (const user of ['stp.canbo1', 'stp.quantri', 'stp.lanhdao']) assertProblem(await put(await signedIn(fx.srv, user)), 403);
  const y = (await fx.srv.json('/api/v1/calendar/2027')).body;
  assert.equal(y.source, 'baseline');
  assert.equal(y.schedule_version, null);
});

test('bad days: every problem named, nothing written', async () => {
  const before = auditCount(fx.srv.db.url);
  const r = await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', {
    days: [
      { date: '2026-12-31', kind: 'holiday', name: 'x', name_en: 'x', ref: 'x' }, // not in 2027
      { date: '2027-02-30', kind: 'holiday', name: 'x', name_en: 'x', ref: 'x' }, // no such day
      { date: '2027-03-01', kind: 'weekend', name: 'x', name_en: 'x', ref: 'x' }, // no such kind
      { date: '2027-03-02', kind: 'holiday', name: '', name_en: 'x', ref: 'x' },
      { date: '2027-03-02', kind: 'holiday', name: 'x', name_en: 'x', ref: 'x' }, // twice
      { date: '2027-03-03', kind: 'holiday', name_en: 'x', ref: 'x', colour: 'red' },
      'not an object',
    ],
  });
  assertProblem(r, 422);
  const fields = r.body.errors.map((e) => e.field);
  for (const f of ['days[0].date', 'days[1].date', 'days[2].kind', 'days[3].name', 'days[4].date', 'days[5].colour', 'days[6]'])
    assert.ok(fields.includes(f), `${f} in ${fields}`);
  assertProblem(await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', { days: [] }), 422, 'days');
  assertProblem(await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', { days: 'x' }), 422, 'days');
  assertProblem(await fx.srv.admin('/api/v1/calendar/1800/schedule', 'PUT', tet2027()), 404);
  assert.equal(auditCount(fx.srv.db.url), before);
  assert.equal((await fx.srv.json('/api/v1/calendar/2027')).body.source, 'baseline');
});

test('a schedule entered today: seen now, not by a deadline computed as of before; retroactive is', async () => {
  const q = '/api/v1/calendar/deadline?from=2026-11-20T09:00&working_days=53';
  const due0 = (await fx.srv.json(q)).body.due;
  assert.equal(due0, '2027-02-04T09:00+07:00'); // the baseline: 4/2/2027 is a working day
  const before = auditCount(fx.srv.db.url);
  let r = await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', tet2027());
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { year: 2027, version: 1, days: 6, retroactive: false });
  assert.equal(auditCount(fx.srv.db.url), before + 1);
  const y = (await fx.srv.json('/api/v1/calendar/2027')).body;
  assert.equal(y.source, 'official');
  assert.equal(y.schedule_version, 1);
  assert.equal(y.days.find((d) => d.date === '2027-02-04').kind, 'holiday');
  assert.equal(y.days.find((d) => d.date === '2027-02-11').kind, 'working'); // the baseline's compensatory day is gone
  // received 2026-11-20, before the schedule was entered: the deadline does not move
  assert.equal((await fx.srv.json(q)).body.due, due0);
  // an official change marked retroactive moves it
  r = await fx.srv.admin('/api/v1/calendar/2027/schedule', 'PUT', tet2027({ retroactive: true }));
  assert.equal(r.body.version, 2);
  assert.equal((await fx.srv.json(q)).body.due, '2027-02-11T09:00+07:00');
});
