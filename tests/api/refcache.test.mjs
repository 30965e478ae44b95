// The reference-data cache behind GET /api/v1/units/{code}: copies are
// really used (metrics count hits), a change through this server shows at
// once, a change by another process (a second server on the same database,
// `tinhso units import` beside the live server) shows within the check
// interval, copies are per day (date=), and --no-cache turns it off.
// Runs on SQLite and on PostgreSQL like every API suite.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cli } from './lib/server.mjs';

const cleanups = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

async function cacheCount(srv, result) {
  const r = await srv.fetch('/metrics');
  const text = await r.text();
  const m = text.match(new RegExp(`^tinhso_cache_lookups_total\\{set="units",result="${result}"\\} (\\d+)$`, 'm'));
  assert.ok(m, `metrics expose cache ${result}s:\n${text.slice(-600)}`);
  return Number(m[1]);
}

// GET a unit until pred(body) holds; returns the milliseconds it took.
async function until(srv, path, pred, limitMs) {
  const t0 = Date.now();
  for (;;) {
    const r = await srv.json(path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (pred(r.body)) return Date.now() - t0;
    if (Date.now() - t0 > limitMs) assert.fail(`${path} still ${JSON.stringify(r.body).slice(0, 200)} after ${limitMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

// Warm the copies of both worker threads (64 requests over several connections).
async function warm(srv, path) {
  await Promise.all(Array.from({ length: 64 }, () => srv.json(path)));
}

test('repeated reads are served from the cache and are byte-identical to a fresh read', async () => {
  const srv = await startServer({ args: ['--threads', '2'] });
  cleanups.push(() => srv.close());
  const first = await (await srv.fetch('/api/v1/units/07210')).text();
  const h0 = await cacheCount(srv, 'hit');
  await warm(srv, '/api/v1/units/07210');
  const h1 = await cacheCount(srv, 'hit');
  assert.ok(h1 - h0 >= 32, `most of 64 repeated reads are hits (got ${h1 - h0})`);
  const again = await srv.fetch('/api/v1/units/07210');
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await again.text(), first, 'a cached answer is the same bytes as the first');
  const body = JSON.parse(first);
  assert.equal(body.name, 'Bắc Giang');
  assert.deepEqual(body.parents.map((p) => p.code), ['24']);
});

test('a change made through this server is visible on the very next read', async () => {
  const srv = await startServer({ args: ['--threads', '2'] });
  cleanups.push(() => srv.close());
  await warm(srv, '/api/v1/units/24');
  const p = await srv.admin('/api/v1/units/24', 'PATCH', { name_en: 'Bac Ninh (cached?)' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  // every request, on both threads, right away
  const all = await Promise.all(Array.from({ length: 32 }, () => srv.json('/api/v1/units/24')));
  for (const r of all) assert.equal(r.body.name_en, 'Bac Ninh (cached?)');
  // the parent chain of a commune follows too (its copy names the province)
  await warm(srv, '/api/v1/units/07210');
  const q = await srv.admin('/api/v1/units/24', 'PATCH', { full_name: 'Tỉnh Bắc Ninh Mới' });
  assert.equal(q.status, 200);
  const c = await srv.json('/api/v1/units/07210');
  assert.equal(c.body.parents[0].full_name, 'Tỉnh Bắc Ninh Mới');
  // a refused change moves nothing
  const bad = await srv.admin('/api/v1/units/24', 'PATCH', { name: 42 });
  assert.equal(bad.status, 422);
  assert.equal((await srv.json('/api/v1/units/24')).body.full_name, 'Tỉnh Bắc Ninh Mới');
});

test('a change by a second server on the same database shows within about a second', async () => {
  const db = freshDb();
  const a = await startServer({ db, keepDb: true, args: ['--threads', '2'] });
  const b = await startServer({ db, demo: false, args: ['--threads', '2'] });
  cleanups.push(async () => { await a.stop(); await b.close(); });
  await warm(b, '/api/v1/units/24');
  const before = await cacheCount(b, 'hit');
  await warm(b, '/api/v1/units/24');
  assert.ok((await cacheCount(b, 'hit')) > before, 'server B answers from its copies');
  const p = await a.admin('/api/v1/units/24', 'PATCH', { name_en: 'Changed by A' });
  assert.equal(p.status, 200);
  const took = await until(b, '/api/v1/units/24', (u) => u.name_en === 'Changed by A', 5000);
  assert.ok(took < 2500, `B saw A's change after ${took} ms (check interval 1 s)`);
});

test('units import beside a live server shows within the check interval; invalidations are counted', async () => {
  const srv = await startServer({ args: ['--threads', '2', '--config', configFile({ ref_cache_check_ms: 200 })] });
  cleanups.push(() => srv.close());
  await warm(srv, '/api/v1/units/24');
  const inv0 = await invalidations(srv);
  const file = join(tmp(), 'bn.json');
  writeFileSync(file, JSON.stringify([{
    Type: 'province', Code: '24', Name: 'Bắc Ninh', NameEn: 'Bac Ninh Imported',
    FullName: 'Tỉnh Bắc Ninh', FullNameEn: 'Bac Ninh Province', CodeName: 'bac_ninh',
    AdministrativeUnitId: 2, AdministrativeUnitShortName: 'Tỉnh', AdministrativeUnitFullName: 'Tỉnh',
    AdministrativeUnitShortNameEn: 'Province', AdministrativeUnitFullNameEn: 'Province', Wards: [],
  }]));
  const r = cli(['units', 'import', '--db', srv.db.url, file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\b1 updated\b/);
  const took = await until(srv, '/api/v1/units/24', (u) => u.name_en === 'Bac Ninh Imported', 5000);
  assert.ok(took < 1500, `the import showed after ${took} ms (check interval 200 ms)`);
  // a thread without a copy may show the new name before any check ran: the
  // check that notices the import comes with a later read (every 200 ms)
  let inv = inv0;
  for (const t0 = Date.now(); inv <= inv0 && Date.now() - t0 < 3000;) {
    await srv.json('/api/v1/units/24');
    inv = await invalidations(srv);
    if (inv <= inv0) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(inv > inv0, 'the other process\'s change was noticed');
});

test('a page of the unit listing is kept too and follows changes at once; so are searches', async () => {
  const srv = await startServer({ args: ['--threads', '2'] });
  cleanups.push(() => srv.close());
  const page = '/api/v1/units?parent=24&limit=100';
  const first = await srv.json(page);
  assert.equal(first.status, 200);
  assert.equal(first.body.total, 99, 'Bắc Ninh has 99 communes and wards');
  const h0 = await cacheCount(srv, 'hit');
  await warm(srv, page);
  assert.ok((await cacheCount(srv, 'hit')) - h0 >= 32, 'repeated pages are hits');
  // another page size or offset is another copy, with the right items
  const second = await srv.json('/api/v1/units?parent=24&limit=10&offset=10');
  assert.deepEqual(second.body.items.map((u) => u.code), first.body.items.slice(10, 20).map((u) => u.code));
  const p = await srv.admin('/api/v1/units/07210', 'PATCH', { name_en: 'Bac Giang (new)' });
  assert.equal(p.status, 200);
  const all = await Promise.all(Array.from({ length: 16 }, () => srv.json(page)));
  for (const r of all) assert.equal(r.body.items.find((u) => u.code === '07210').name_en, 'Bac Giang (new)');
  const h1 = await cacheCount(srv, 'hit');
  const search = '/api/v1/units?parent=24&q=' + encodeURIComponent('bac giang');
  for (let i = 0; i < 10; i++) {
    const s = await srv.json(search);
    assert.equal(s.body.total, 1);
  }
  assert.ok((await cacheCount(srv, 'hit')) - h1 >= 8, 'repeated searches are hits');
  // the same search spelled otherwise is the same copy
  const h2 = await cacheCount(srv, 'hit');
  assert.equal((await srv.json('/api/v1/units?parent=24&q=' + encodeURIComponent('  Bắc   GIANG'))).body.total, 1);
  assert.equal(await cacheCount(srv, 'hit'), h2 + 1, 'folded text is the key');
  // a rename shows in the very next search, on every thread
  const r = await srv.admin('/api/v1/units/07210', 'PATCH', { name: 'Bắc Giang Mới', full_name: 'Phường Bắc Giang Mới' });
  assert.equal(r.status, 200);
  const after = await Promise.all(Array.from({ length: 8 }, () => srv.json('/api/v1/units?parent=24&q=' + encodeURIComponent('giang moi'))));
  for (const a of after) assert.deepEqual(a.body.items.map((u) => u.code), ['07210']);
  const gone = await Promise.all(Array.from({ length: 8 }, () => srv.json('/api/v1/units?parent=24&q=' + encodeURIComponent('phuong bac giang'))));
  for (const g of gone) assert.deepEqual(g.body.items.map((u) => u.full_name), ['Phường Bắc Giang Mới']);
});

test('copies are per day: date= before the unit existed is still a 404', async () => {
  const srv = await startServer();
  cleanups.push(() => srv.close());
  await warm(srv, '/api/v1/units/07210');
  const old = await srv.json('/api/v1/units/07210?date=2025-06-30');
  assert.equal(old.status, 404, 'the ward did not exist before 1 July 2025');
  const today = await srv.json('/api/v1/units/07210?date=' + new Date().toISOString().slice(0, 10));
  assert.equal(today.status, 200);
  assert.equal(today.body.name, 'Bắc Giang');
  const unknown = await srv.json('/api/v1/units/99999');
  assert.equal(unknown.status, 404);
});

test('--no-cache reads the database every time', async () => {
  const srv = await startServer({ args: ['--no-cache'] });
  cleanups.push(() => srv.close());
  await warm(srv, '/api/v1/units/24');
  assert.equal(await cacheCount(srv, 'hit'), 0);
  const db = srv.db;
  // a change behind the program's back is seen at once without the cache
  if (db.sqlite) db.sqlite("UPDATE admin_units SET name_en = 'Behind the back' WHERE code = '24'");
  else db.psql("UPDATE admin_units SET name_en = 'Behind the back' WHERE code = '24'");
  assert.equal((await srv.json('/api/v1/units/24')).body.name_en, 'Behind the back');
});

test('an invalid cache setting in the config file is refused', async () => {
  for (const bad of [{ ref_cache: 'yes' }, { ref_cache_check_ms: -1 }, { ref_cache_check_ms: 600000 },
    { ref_cache_max_age_seconds: 'x' }]) {
    const d = freshDb();
    const r = cli(['serve', '--db', d.url, '--listen', '127.0.0.1:0', '--config', configFile(bad)]);
    d.cleanup();
    assert.equal(r.status, 1, JSON.stringify(bad));
    assert.match(r.stderr, /ref_cache/);
  }
});

let tmpDir;
function tmp() {
  if (!tmpDir) {
    tmpDir = mkdtempSync(join(tmpdir(), 'tinhso-refcache-'));
    cleanups.push(() => rmSync(tmpDir, { recursive: true, force: true }));
  }
  return tmpDir;
}

let nconf = 0;
function configFile(obj) {
  const p = join(tmp(), `config-${nconf++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

async function invalidations(srv) {
  const text = await (await srv.fetch('/metrics')).text();
  const m = text.match(/^tinhso_cache_invalidations_total\{set="units"\} (\d+)$/m);
  assert.ok(m, 'metrics expose cache invalidations');
  return Number(m[1]);
}
