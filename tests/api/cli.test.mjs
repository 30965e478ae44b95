// The command line: version/help/usage and exit codes, migrate --status,
// units import (insert, idempotent update, malformed files change nothing),
// and demo idempotence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, freshDb, cli } from './lib/server.mjs';
import { auditCount } from './lib/helpers.mjs';

const MIGRATIONS = readdirSync(fileURLToPath(new URL('../../src/db/migrations/', import.meta.url)))
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .sort();

let tmp;
const cleanups = [];

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tinhso-cli-'));
});

after(async () => {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch { /* best effort */ }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function db() {
  const d = freshDb();
  cleanups.push(() => d.cleanup());
  return d;
}

// Run SQL on a fresh database from freshDb() (either backend); trimmed text.
function sql(d, q) {
  return (d.sqlite ? d.sqlite(q) : d.psql(q)).trim();
}

// ------------------------------------------------------------------ usage

test('tinhso version exits 0 and prints the version', () => {
  const r = cli(['version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^tinhso \d+\.\d+\.\d+/);
});

for (const args of [['help'], ['--help'], ['-h']]) {
  test(`tinhso ${args.join(' ')} exits 0 with usage on stdout`, () => {
    const r = cli(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: tinhso COMMAND/);
    for (const cmd of ['serve', 'migrate', 'audit verify', 'backup', 'units import', 'demo'])
      assert.ok(r.stdout.includes(cmd), `usage lists ${cmd}`);
  });
}

const commands = [
  ['serve'], ['migrate'], ['audit', 'verify'], ['backup'], ['units', 'import'], ['demo'],
];

for (const cmd of commands) {
  test(`tinhso ${cmd.join(' ')} --help exits 0 and prints its usage`, () => {
    const r = cli([...cmd, '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`usage: tinhso ${cmd.join(' ')}\\b`));
    assert.match(r.stdout, /--db/);
  });
}

test('tinhso with no command exits 2 and prints usage to stderr', () => {
  const r = cli([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage:/);
});

test('an unknown command exits 2 and prints usage to stderr', () => {
  const r = cli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage:/);
  assert.match(r.stderr, /frobnicate/);
  assert.equal(r.stdout, '');
});

for (const args of [['serve', '--bogus'], ['migrate', '--bogus'], ['demo', '--bogus'],
  ['audit', 'verify', '--bogus'], ['units', 'import', '--bogus', 'x.json'], ['audit', 'bogus']]) {
  test(`tinhso ${args.join(' ')} exits 2 and prints usage to stderr`, () => {
    const r = cli(args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: tinhso/);
  });
}

test('a command without --db (and no TINHSO_DB) exits 2', () => {
  const env = { ...process.env };
  delete env.TINHSO_DB;
  const r = cli(['migrate', '--status'], { env });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--db/);
});

// ------------------------------------------------------------------ migrate --status

function statusLines(out) {
  return out.split('\n').filter((l) => l.trim());
}

test('migrate --status lists every migration as pending on an empty database', () => {
  const d = db();
  const r = cli(['migrate', '--db', d.url, '--status']);
  assert.equal(r.status, 0, r.stderr);
  const lines = statusLines(r.stdout);
  assert.equal(lines.length, MIGRATIONS.length, r.stdout);
  for (const m of MIGRATIONS)
    assert.ok(lines.some((l) => /^pending\b/.test(l) && l.includes(m)), `${m} pending:\n${r.stdout}`);
  assert.ok(!/applied/.test(r.stdout));
});

test('migrate --status lists every migration as applied after demo', () => {
  const d = db();
  const demo = cli(['demo', '--db', d.url]);
  assert.equal(demo.status, 0, demo.stderr);
  const r = cli(['migrate', '--db', d.url, '--status']);
  assert.equal(r.status, 0, r.stderr);
  const lines = statusLines(r.stdout);
  assert.equal(lines.length, MIGRATIONS.length, r.stdout);
  for (const m of MIGRATIONS)
    assert.ok(lines.some((l) => /^applied\b/.test(l) && l.includes(m)), `${m} applied:\n${r.stdout}`);
  assert.ok(!/pending/.test(r.stdout));
  // and migrate itself is then a no-op
  const again = cli(['migrate', '--db', d.url]);
  assert.equal(again.status, 0, again.stderr);
});

// ------------------------------------------------------------------ units import

function ward(code, name, type = 'Phường', typeEn = 'Ward') {
  return {
    Type: typeEn.toLowerCase(), Code: code, Name: name, NameEn: name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D'),
    FullName: `${type} ${name}`, FullNameEn: `${name} ${typeEn}`, CodeName: code,
    ProvinceCode: '96', AdministrativeUnitId: 3, AdministrativeUnitShortName: type,
    AdministrativeUnitFullName: type, AdministrativeUnitShortNameEn: typeEn,
    AdministrativeUnitFullNameEn: typeEn,
  };
}

function province(wards) {
  return [{
    Type: 'province', Code: '96', Name: 'Thử Nghiệm', NameEn: 'Thu Nghiem',
    FullName: 'Tỉnh Thử Nghiệm', FullNameEn: 'Thu Nghiem Province', CodeName: 'thu_nghiem',
    AdministrativeUnitId: 2, AdministrativeUnitShortName: 'Tỉnh',
    AdministrativeUnitFullName: 'Tỉnh', AdministrativeUnitShortNameEn: 'Province',
    AdministrativeUnitFullNameEn: 'Province', Wards: wards,
  }];
}

function writeJson(name, value) {
  const p = join(tmp, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value, null, 1));
  return p;
}

test('units import inserts, re-import updates without duplicating, bad files change nothing', async (t) => {
  const d = db();
  // the imports below run in another process than the server: check the data
  // versions on every read, so each import shows at once (the default, once a
  // second, is covered in refcache.test.mjs)
  const conf = writeJson('serve.json', { ref_cache_check_ms: 0 });
  const srv = await startServer({ db: d, demo: false, keepDb: true, args: ['--config', conf] });
  cleanups.push(() => srv.stop());

  const snapshot = async () => {
    const p = await srv.json('/api/v1/units?level=1');
    const w = await srv.json('/api/v1/units?parent=96&limit=1000');
    assert.equal(p.status, 200);
    assert.equal(w.status, 200);
    return { provinces: p.body.total, wards: w.body.total, names: w.body.items.map((u) => [u.code, u.name]) };
  };

  await t.test('first import inserts one province and two wards', async () => {
    const file = writeJson('units.json', province([ward('99901', 'Một'), ward('99902', 'Hai', 'Xã', 'Commune')]));
    const r = cli(['units', 'import', '--db', d.url, file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\b3 inserted\b/);
    assert.match(r.stdout, /\b0 updated\b/);
    const s = await snapshot();
    assert.equal(s.provinces, 1);
    assert.equal(s.wards, 2);
    assert.deepEqual(s.names, [['99901', 'Một'], ['99902', 'Hai']]);
    const p = await srv.json('/api/v1/units/96');
    assert.equal(p.status, 200);
    assert.equal(p.body.name, 'Thử Nghiệm');
    assert.equal(p.body.full_name, 'Tỉnh Thử Nghiệm');
    const w = await srv.json('/api/v1/units/99902');
    assert.equal(w.body.full_name, 'Xã Hai');
    assert.equal(w.body.parents[0].code, '96');
    const q = await srv.json('/api/v1/units?q=' + encodeURIComponent('thu nghiem'));
    assert.ok(q.body.items.some((u) => u.code === '96'), 'imported units are searchable');
  });

  await t.test('importing the same file again changes nothing', async () => {
    const file = join(tmp, 'units.json');
    const r = cli(['units', 'import', '--db', d.url, file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\b0 inserted\b/);
    assert.match(r.stdout, /\b0 updated\b/);
    assert.match(r.stdout, /\b3 unchanged\b/);
    const s = await snapshot();
    assert.equal(s.provinces, 1);
    assert.equal(s.wards, 2);
  });

  await t.test('a second import with a changed ward name updates it and never duplicates', async () => {
    const file = writeJson('units2.json', province([ward('99901', 'Một'), ward('99902', 'Hai Mới', 'Xã', 'Commune')]));
    const r = cli(['units', 'import', '--db', d.url, file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\b0 inserted\b/);
    assert.match(r.stdout, /\b1 updated\b/);
    assert.match(r.stdout, /\b2 unchanged\b/);
    const s = await snapshot();
    assert.equal(s.provinces, 1);
    assert.equal(s.wards, 2);
    assert.deepEqual(s.names, [['99901', 'Một'], ['99902', 'Hai Mới']]);
    const w = await srv.json('/api/v1/units/99902');
    assert.equal(w.body.name, 'Hai Mới');
    const q = await srv.json('/api/v1/units?q=' + encodeURIComponent('hai moi'));
    assert.equal(q.body.total, 1, 'search follows the new name');
  });

  const good = () => province([ward('99901', 'Một'), ward('99902', 'Hai Mới', 'Xã', 'Commune')]);
  const missingName = good();
  delete missingName[0].Wards[1].Name;
  const letters = good();
  letters[0].Wards[1].Code = '9990A';
  const badProvinceCode = good();
  badProvinceCode[0].Code = '9';
  const emptyName = good();
  emptyName[0].Wards[0].Name = '';
  // a malformed ward after a valid new one: the valid one must not be written either
  const partial = province([ward('99901', 'Một'), ward('99903', 'Ba'), ward('99X04', 'Bốn')]);

  const malformed = [
    ['bad JSON', '[{"Code": "96", "Name": "Thử', /JSON/i],
    ['not JSON at all', 'this is not json', /JSON/i],
    ['a ward code with letters', letters, /Wards\[1\]\.Code/],
    ['a missing Name', missingName, /Wards\[1\]\.Name/],
    ['an empty Name', emptyName, /Wards\[0\]\.Name/],
    ['a one-digit province code', badProvinceCode, /\[0\]\.Code/],
    ['an object instead of an array', { Code: '96' }, /array/i],
    ['a bad ward after a new valid one', partial, /Wards\[2\]\.Code/],
  ];

  for (const [what, content, problem] of malformed) {
    await t.test(`a malformed file (${what}) exits 1 naming the problem and changes nothing`, async () => {
      const before = await snapshot();
      const audits = auditCount(d.url);
      const file = writeJson('bad.json', content);
      const r = cli(['units', 'import', '--db', d.url, file]);
      assert.equal(r.status, 1, `exit ${r.status}; stdout ${r.stdout}; stderr ${r.stderr}`);
      assert.match(r.stderr, problem);
      assert.deepEqual(await snapshot(), before);
      assert.equal((await srv.json('/api/v1/units/99903')).status, 404);
      assert.equal(auditCount(d.url), audits, 'no audit entry for a failed import');
    });
  }

  await t.test('a missing file exits 1 naming it', () => {
    const r = cli(['units', 'import', '--db', d.url, join(tmp, 'no-such-file.json')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no-such-file\.json/);
  });

  await t.test('a bad --valid-from exits non-zero and changes nothing', async () => {
    const before = await snapshot();
    const r = cli(['units', 'import', '--db', d.url, '--valid-from', '2025-13-45', join(tmp, 'units2.json')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /valid_from|valid-from|YYYY-MM-DD/);
    assert.deepEqual(await snapshot(), before);
  });
});

// ------------------------------------------------------------------ demo

test('tinhso demo is idempotent: 3,355 units, the second run inserts 0', () => {
  const d = db();
  const first = cli(['demo', '--db', d.url]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /\b3355 inserted\b/);
  assert.match(first.stdout, /Bắc Ninh/);
  assert.equal(sql(d, 'SELECT COUNT(*) FROM admin_units'), '3355');
  const second = cli(['demo', '--db', d.url]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /\b0 inserted\b/);
  assert.match(second.stdout, /\b0 updated\b/);
  assert.match(second.stdout, /\b3355 unchanged\b/);
  assert.equal(sql(d, 'SELECT COUNT(*) FROM admin_units'), '3355');
  assert.equal(sql(d, "SELECT COUNT(*) FROM admin_units WHERE level = 1"), '34');
  assert.equal(sql(d, "SELECT COUNT(*) FROM admin_units WHERE parent_code = '24'"), '99');
  const v = cli(['audit', 'verify', '--db', d.url]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  // units import + agencies each run; the boundaries, sign-ins, the centre's hours, the forms,
  // the procedures and the feedback categories once
  assert.match(v.stdout, /\b10 entries verified/);
});
