// tinhso calendar: the shapes other tools rely on (one JSON value on stdout),
// and clear refusals (a message in Vietnamese and English, exit 1; usage
// errors exit 2) for dates that do not exist or are out of range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './lib/server.mjs';

function json(args) {
  const r = cli(['calendar', ...args]);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('lunar: 2026-02-17 is 1/1 of Bính Ngọ; 2023-03-23 is in the leap second month', () => {
  assert.deepEqual(json(['lunar', '2026-02-17']), {
    solar: '2026-02-17', lunar: { day: 1, month: 1, year: 2026, leap: false }, year_name: 'Bính Ngọ',
  });
  assert.deepEqual(json(['lunar', '2023-03-23']).lunar, { day: 2, month: 2, year: 2023, leap: true });
  // 2007: Vietnam's Tết (UTC+7) is a day before China's
  assert.deepEqual(json(['lunar', '2007-02-17']).lunar, { day: 1, month: 1, year: 2007, leap: false });
});

test('solar: lunar dates back to solar, the leap flag honoured', () => {
  assert.deepEqual(json(['solar', '--lunar', '2026-03-10']), { solar: '2026-04-26' });
  assert.deepEqual(json(['solar', '--lunar', '2023-02-02', '--leap']), { solar: '2023-03-23' });
  assert.deepEqual(json(['solar', '--lunar', '2023-02-02']), { solar: '2023-02-21' });
});

test('holidays 2026: the official schedule with swaps and references', () => {
  const days = json(['holidays', '2026']);
  const by = Object.fromEntries(days.map((d) => [d.date, d]));
  assert.equal(by['2026-01-02'].kind, 'swap_off');
  assert.equal(by['2026-01-10'].kind, 'swap_work');
  assert.equal(by['2026-02-17'].name, 'Tết Nguyên đán');
  assert.equal(by['2026-04-27'].kind, 'compensatory');
  assert.equal(by['2026-08-22'].kind, 'swap_work');
  for (const d of days) {
    assert.ok(d.ref && d.name && d.name_en, JSON.stringify(d));
    assert.ok(['holiday', 'compensatory', 'swap_off', 'swap_work'].includes(d.kind));
  }
  // 2027 has no official schedule: the Labour Code baseline, Tết compensated
  const y27 = json(['holidays', '2027']);
  assert.ok(y27.some((d) => d.date === '2027-02-10' && d.kind === 'compensatory'));
});

test('deadline: working days across Tết, the cut-off, calendar days', () => {
  assert.deepEqual(json(['deadline', '--from', '2026-02-13T10:00', '--working-days', '3']),
    { due: '2026-02-25T10:00+07:00', counted_from: '2026-02-13T10:00+07:00' });
  assert.deepEqual(json(['deadline', '--from', '2026-03-03T17:01', '--working-days', '1']),
    { due: '2026-03-04T17:00+07:00', counted_from: '2026-03-04T07:30+07:00' });
  assert.deepEqual(json(['deadline', '--from', '2026-03-03T15:01', '--working-hours', '4', '--same-day']),
    { due: '2026-03-04T11:30+07:00', counted_from: '2026-03-04T07:30+07:00' });
  assert.equal(json(['deadline', '--from', '2026-02-10T09:00', '--days', '5']).due, '2026-02-23T07:30+07:00');
});

test('hostile input: clear refusals, nothing on stdout', () => {
  const refused = [
    ['lunar', '2026-02-30'], ['lunar', '1800-01-01'], ['lunar', '2200-01-01'],
    ['solar', '--lunar', '2025-12-30'], // a 29-day month
    ['solar', '--lunar', '2026-05-01', '--leap'], // 2026 has no leap month
    ['solar', '--lunar', '2026-13-01'],
    ['holidays', '1800'], ['holidays', 'abc'],
    ['deadline', '--from', '2026-02-30T10:00', '--working-days', '1'],
    ['deadline', '--from', '2026-03-03T10:00', '--working-days', '0'],
    ['deadline', '--from', '2100-12-30T10:00', '--working-days', '60'],
  ];
  for (const args of refused) {
    const r = cli(['calendar', ...args]);
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, / \/ /, 'Vietnamese / English');
  }
  for (const args of [[], ['moon'], ['deadline', '--from', '2026-03-03T10:00'],
    ['deadline', '--from', '2026-03-03T10:00', '--days', '1', '--working-days', '2']]) {
    assert.equal(cli(['calendar', ...args]).status, 2, args.join(' '));
  }
});
