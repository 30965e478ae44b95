// The event bus across server processes (platform/events, docs/decisions.md
// "Event bus"): on PostgreSQL a unit changed through server A reaches
// server B's reference-data cache through LISTEN/NOTIFY right after the
// commit, not at B's next data_versions check — B here checks only once a
// minute, so only the notification can explain a quick change. Also after
// B's listener connection was killed, and for `tinhso units import`.
// On SQLite there is one process per database file: skipped there (the
// polling fallback is covered by refcache.test.mjs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cli, backend } from './lib/server.mjs';

const skip = backend !== 'postgresql' && 'PostgreSQL only (TINHSO_TEST_PG): one process per SQLite file';
const tmp = mkdtempSync(join(tmpdir(), 'tinhso-events-'));
const cleanups = [() => rmSync(tmp, { recursive: true, force: true })];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

const slowPolling = () => {
  const p = join(tmp, 'slow-check.json');
  writeFileSync(p, JSON.stringify({ ref_cache_check_ms: 60000 }));
  return p;
};

async function hits(srv) {
  const text = await (await srv.fetch('/metrics')).text();
  const m = text.match(/^tinhso_cache_lookups_total\{set="units",result="hit"\} (\d+)$/m);
  assert.ok(m, 'metrics expose cache hits');
  return Number(m[1]);
}

// Copies on both of B's threads, really used.
async function warm(srv, path) {
  const h0 = await hits(srv);
  await Promise.all(Array.from({ length: 64 }, () => srv.json(path)));
  assert.ok((await hits(srv)) - h0 >= 32, `${path} is served from B's copies`);
}

// Milliseconds until GET path on srv satisfies pred (polled every 5 ms).
async function until(srv, path, pred, limitMs) {
  const t0 = performance.now();
  for (;;) {
    const r = await srv.json(path);
    assert.equal(r.status, 200);
    if (pred(r.body)) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) assert.fail(`${path} still ${JSON.stringify(r.body).slice(0, 160)} after ${limitMs} ms`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

async function pair() {
  const db = freshDb();
  const a = await startServer({ db, keepDb: true, args: ['--threads', '2'] });
  const b = await startServer({ db, demo: false, args: ['--threads', '2', '--config', slowPolling()] });
  cleanups.push(async () => { await a.stop(); await b.close(); });
  return { db, a, b };
}

test('a unit changed through server A shows on server B well within a second (NOTIFY)', { skip }, async () => {
  const { a, b } = await pair();
  const took = [];
  for (let i = 0; i < 5; i++) {
    await warm(b, '/api/v1/units/24');
    const name = `Changed by A #${i}`;
    const p = await a.admin('/api/v1/units/24', 'PATCH', { name_en: name });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    took.push(await until(b, '/api/v1/units/24', (u) => u.name_en === name, 1000));
  }
  const worst = Math.max(...took);
  console.log(`# B saw A's unit change after ${took.map((t) => t.toFixed(1)).join(', ')} ms`);
  assert.ok(worst < 500, `B saw A's changes after ${took.join(', ')} ms (polling every 60 s)`);
});

test('after its listener connection is killed, B reconnects and still hears A at once', { skip }, async () => {
  const { db, a, b } = await pair();
  await warm(b, '/api/v1/units/24');
  const pids = () => db.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'tinhso-events' AND datname = current_database() ORDER BY pid")
    .trim().split('\n').filter(Boolean);
  const before = pids();
  assert.equal(before.length, 2, 'A and B each have one listener');
  // which is B's: killing both is simplest, each must come back
  db.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tinhso-events' AND datname = current_database()`);
  const t0 = Date.now();
  let now = [];
  while (Date.now() - t0 < 5000) {
    now = pids();
    if (now.length === 2 && now.every((p) => !before.includes(p))) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.equal(now.length, 2, 'both listeners are back');
  assert.ok(now.every((p) => !before.includes(p)), 'on new connections');
  await warm(b, '/api/v1/units/24');
  const p = await a.admin('/api/v1/units/24', 'PATCH', { name_en: 'After the reconnect' });
  assert.equal(p.status, 200);
  const took = await until(b, '/api/v1/units/24', (u) => u.name_en === 'After the reconnect', 1000);
  assert.ok(took < 500, `B saw the change after ${took} ms`);
  assert.match(b.log, /listener lost its connection/);
  assert.match(b.log, /listener connected again/);
});

test('units import from the command line shows on a live server at once', { skip }, async () => {
  const { db, b } = await pair();
  await warm(b, '/api/v1/units/24');
  const file = join(tmp, 'bn.json');
  writeFileSync(file, JSON.stringify([{
    Type: 'province', Code: '24', Name: 'Bắc Ninh', NameEn: 'Bac Ninh Imported',
    FullName: 'Tỉnh Bắc Ninh', FullNameEn: 'Bac Ninh Province', CodeName: 'bac_ninh',
    AdministrativeUnitId: 2, AdministrativeUnitShortName: 'Tỉnh', AdministrativeUnitFullName: 'Tỉnh',
    AdministrativeUnitShortNameEn: 'Province', AdministrativeUnitFullNameEn: 'Province', Wards: [],
  }]));
  const r = cli(['units', 'import', '--db', db.url, file]);
  assert.equal(r.status, 0, r.stderr);
  const took = await until(b, '/api/v1/units/24', (u) => u.name_en === 'Bac Ninh Imported', 1000);
  assert.ok(took < 500, `the import showed after ${took} ms`);
});
