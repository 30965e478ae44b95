// The map of administrative units (SQLite, or PostgreSQL with
// TINHSO_TEST_PG): GET /api/v1/geo/locate (the commune of a feedback
// report's map point), GET /api/v1/units/{code}/boundary and
// GET /api/v1/geo/communes?province=24 (what the web map draws), on the
// boundaries `tinhso demo` loads; a re-import through the CLI while the
// server runs, which the server's index follows; a malformed file refused.
// The interior points were computed from the shipped data by an
// independent ray cast (Python), each more than 1 km from any edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cli } from './lib/server.mjs';

let srv, dir;

before(async () => {
  srv = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'tinhso-geo-'));
});

after(async () => {
  if (srv) await srv.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PROBLEM = /^application\/problem\+json/;

function assertProblem(r, status) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.match(r.headers.get('content-type') || '', PROBLEM);
  assert.equal(r.body.status, status);
  assert.ok(r.body.detail.length > 0);
}

const locate = (qs, lang) => srv.json('/api/v1/geo/locate?' + qs,
  lang ? { headers: { 'Accept-Language': lang } } : {});

// [name, lat, lon, code]
const inside = [
  ['Bắc Giang', 21.287932, 106.220648, '07210'],
  ['Tân Yên', 21.367972, 106.127538, '07339'],
  ['Chũ', 21.416041, 106.597959, '07525'],
  ['Yên Định', 21.343584, 106.794319, '07642'],
  ['Hiệp Hoà', 21.316947, 105.996997, '07840'],
  ['Phù Lãng', 21.1382, 106.254302, '09292'],
  ['Mão Điền', 21.062641, 106.117, '09409'],
  ['Lâm Thao', 21.006456, 106.16389, '09529'],
];

for (const [name, lat, lon, code] of inside) {
  test(`a point inside ${name} goes to ${code}`, async () => {
    const r = await locate(`lat=${lat}&lon=${lon}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.commune.code, code);
    assert.equal(r.body.commune.name, name);
    assert.equal(r.body.province.code, '24');
    assert.equal(r.body.province.name, 'Bắc Ninh');
    assert.equal(r.body.on_boundary, false);
    assert.deepEqual(r.body.point, { lat, lon });
  });
}

test('a vertex shared by Đa Mai (07228) and 07795 goes to the smaller code, on the boundary', async () => {
  for (const qs of ['lat=21.263882&lon=106.155813', 'lat=21.2637925&lon=106.1558855']) {
    const r = await locate(qs);
    assert.equal(r.status, 200);
    assert.equal(r.body.commune.code, '07228');
    assert.equal(r.body.on_boundary, true);
  }
});

test('a point in Hà Nội is outside the province: 404 problem in both languages', async () => {
  const vi = await locate('lat=21.0285&lon=105.8542');
  assertProblem(vi, 404);
  assert.match(vi.body.detail, /ngoài tỉnh/);
  const en = await locate('lat=21.0285&lon=105.8542', 'en');
  assertProblem(en, 404);
  assert.match(en.body.detail, /outside the province/);
  assert.match(en.body.detail, /21\.028500, 105\.854200/);
});

// [query, fields at fault]
const badPoints = [
  ['lat=91&lon=106', ['lat']],
  ['lat=-90.0001&lon=106', ['lat']],
  ['lat=21&lon=181', ['lon']],
  ['lat=21&lon=-180.5', ['lon']],
  ['lat=NaN&lon=106', ['lat']],
  ['lat=21&lon=Infinity', ['lon']],
  ['lat=1e1&lon=106', ['lat']],
  ['lat=0x15&lon=106', ['lat']],
  ['lat=21.&lon=106', ['lat']],
  ['lat=%2021.287932%20&lon=106.220648', null], // spaces around a number are fine
  ['lat=abc&lon=xyz', ['lat', 'lon']],
  ['lon=106', ['lat']],
  ['lat=21', ['lon']],
  ['', ['lat', 'lon']],
];

for (const [qs, fields] of badPoints) {
  test(`locate ?${qs || '(nothing)'} → ${fields ? '400 naming ' + fields.join(', ') : 'accepted'}`, async () => {
    const vi = await locate(qs);
    if (!fields) {
      assert.equal(vi.status, 200, JSON.stringify(vi.body));
      assert.equal(vi.body.commune.code, '07210');
      return;
    }
    assertProblem(vi, 400);
    assert.deepEqual(vi.body.errors.map((e) => e.field).sort(), [...fields].sort());
    for (const e of vi.body.errors) {
      if (e.field === 'lat') assert.match(e.message, /Vĩ độ|bắt buộc/);
      if (e.field === 'lon') assert.match(e.message, /Kinh độ|bắt buộc/);
    }
    const en = await locate(qs, 'en');
    assertProblem(en, 400);
    for (const e of en.body.errors) {
      if (e.field === 'lat') assert.match(e.message, /latitude|required/);
      if (e.field === 'lon') assert.match(e.message, /longitude|required/);
    }
  });
}

// ------------------------------------------------------------------ boundaries

function assertMultiPolygon(g) {
  assert.equal(g.type, 'MultiPolygon');
  assert.ok(g.coordinates.length >= 1);
  let n = 0;
  for (const poly of g.coordinates)
    for (const ring of poly) {
      assert.ok(ring.length >= 4, 'a ring has at least 4 positions');
      assert.deepEqual(ring[0], ring[ring.length - 1], 'a ring is closed');
      for (const [x, y] of ring) {
        assert.ok(x >= 105 && x <= 108 && y >= 20 && y <= 22, `${x},${y} in Bắc Ninh`);
        n++;
      }
    }
  return n;
}

test('GET /api/v1/units/07210/boundary: the simplified Feature, and the full one', async () => {
  const s = await srv.json('/api/v1/units/07210/boundary');
  assert.equal(s.status, 200);
  assert.equal(s.body.type, 'Feature');
  assert.equal(s.body.id, '07210');
  assert.equal(s.body.properties.code, '07210');
  assert.equal(s.body.properties.name, 'Bắc Giang');
  assert.equal(s.body.properties.level, 3);
  assert.equal(s.body.properties.parent_code, '24');
  assert.equal(s.body.properties.detail, 'simplified');
  assert.deepEqual(s.body.bbox, [106.183775, 21.26311, 106.256623, 21.312753]);
  const ns = assertMultiPolygon(s.body.geometry);
  assert.equal(ns, s.body.properties.vertices);
  assert.ok(s.headers.get('etag'));
  assert.match(s.headers.get('cache-control'), /max-age=/);

  const f = await srv.json('/api/v1/units/07210/boundary?detail=full');
  assert.equal(f.status, 200);
  assert.equal(f.body.properties.detail, 'full');
  const nf = assertMultiPolygon(f.body.geometry);
  assert.equal(nf, 787); // every position of the source file
  assert.ok(ns < nf / 3, `simplified ${ns} of ${nf}`);
  assert.notEqual(f.headers.get('etag'), s.headers.get('etag'));

  const p = await srv.json('/api/v1/units/24/boundary');
  assert.equal(p.status, 200);
  assert.equal(p.body.properties.level, 1);
  assert.equal(p.body.properties.parent_code, null);
  assertMultiPolygon(p.body.geometry);
});

test('boundary errors: no boundary, unknown unit, bad detail', async () => {
  const none = await srv.json('/api/v1/units/01/boundary', { headers: { 'Accept-Language': 'en' } });
  assertProblem(none, 404);
  assert.match(none.body.detail, /No boundary is stored for administrative unit 01/);
  const unknown = await srv.json('/api/v1/units/99/boundary');
  assertProblem(unknown, 404);
  assert.match(unknown.body.detail, /99/);
  const shape = await srv.json('/api/v1/units/abc/boundary');
  assertProblem(shape, 404);
  const bad = await srv.json('/api/v1/units/07210/boundary?detail=everything');
  assertProblem(bad, 400);
  assert.deepEqual(bad.body.errors.map((e) => e.field), ['detail']);
});

// A raw GET (fetch always decompresses): status, headers, body bytes.
function rawGet(path, headers) {
  return new Promise((resolve, reject) => {
    const req = request(srv.base + path, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /api/v1/geo/communes?province=24: 99 simplified communes, cacheable, gzipped', async () => {
  const r = await rawGet('/api/v1/geo/communes?province=24', {});
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.equal(r.headers['content-encoding'], undefined);
  const fc = JSON.parse(r.body.toString('utf8'));
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, 99);
  const codes = fc.features.map((f) => f.properties.code);
  assert.deepEqual(codes, [...codes].sort());
  assert.ok(codes.includes('07210'));
  assert.equal(fc.features.find((f) => f.properties.code === '07210').properties.name, 'Bắc Giang');
  let n = 0;
  for (const f of fc.features) n += assertMultiPolygon(f.geometry);
  assert.ok(n < 30000, `${n} vertices on the map (155,475 in full)`);
  assert.ok(r.body.length < 600 * 1024, `${r.body.length} bytes`);
  const etag = r.headers.etag;
  assert.match(etag, /^"g\d+\.\d+\.c24"$/);
  assert.match(r.headers['cache-control'], /public, max-age=\d+/);

  const gz = await rawGet('/api/v1/geo/communes?province=24', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.length < r.body.length / 2);
  assert.deepEqual(JSON.parse(gunzipSync(gz.body).toString('utf8')), fc);

  const again = await rawGet('/api/v1/geo/communes?province=24', { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, etag);
});

test('communes errors: province missing, malformed, unknown; a province without boundaries is empty', async () => {
  const missing = await srv.json('/api/v1/geo/communes');
  assertProblem(missing, 400);
  assert.deepEqual(missing.body.errors.map((e) => e.field), ['province']);
  const bad = await srv.json('/api/v1/geo/communes?province=2x');
  assertProblem(bad, 400);
  const unknown = await srv.json('/api/v1/geo/communes?province=99');
  assertProblem(unknown, 404);
  const hanoi = await srv.json('/api/v1/geo/communes?province=01');
  assert.equal(hanoi.status, 200);
  assert.deepEqual(hanoi.body, { type: 'FeatureCollection', features: [] });
});

test('the routes are public reads: no sign-in needed, writes refused', async () => {
  for (const path of ['/api/v1/geo/locate?lat=21.287932&lon=106.220648', '/api/v1/geo/communes?province=24',
    '/api/v1/units/07210/boundary']) {
    const r = await srv.fetch(path);
    assert.equal(r.status, 200, path);
    await r.arrayBuffer();
    const w = await srv.fetch(path, { method: 'POST' });
    assert.equal(w.status, 405, path);
    await w.arrayBuffer();
  }
});

// ------------------------------------------------------------------ re-import

const square = (lon, lat, d) => [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]];

test('a re-import through the CLI moves the version; the running server follows it', async () => {
  const before = await srv.json('/api/v1/geo/communes?province=24');
  const etag0 = before.headers.get('etag');
  // 07210 becomes Bắc Giang plus an island around Hoàn Kiếm lake (a test shape)
  const full = await srv.json('/api/v1/units/07210/boundary?detail=full');
  const g = full.body.geometry;
  g.coordinates.push(square(105.8542, 21.0285, 0.002));
  const file = join(dir, 'one.geojson');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { code: '07210', name: 'Bắc Giang' }, geometry: g }] }));
  const r = cli(['units', 'boundaries', '--db', srv.db.url, file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 updated/);
  // another process wrote: seen within the check interval (1 s)
  let hit;
  for (let i = 0; i < 40; i++) {
    hit = await locate('lat=21.0285&lon=105.8542');
    if (hit.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(hit.status, 200, JSON.stringify(hit.body));
  assert.equal(hit.body.commune.code, '07210');
  const after = await srv.json('/api/v1/geo/communes?province=24');
  assert.notEqual(after.headers.get('etag'), etag0);
  // the same file again changes nothing
  const same = cli(['units', 'boundaries', '--db', srv.db.url, file]);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /0 updated, 1 unchanged/);
  // the audit log has the imports that changed something: the demo's and this one
  const audit = await srv.admin('/api/v1/audit?object_type=unit_boundaries&limit=50', 'GET');
  assert.equal(audit.status, 200, JSON.stringify(audit.body));
  const actions = audit.body.items.map((e) => e.action);
  assert.deepEqual(actions, ['units.boundaries_import', 'units.boundaries_import']);
  // the shipped shape back
  const shipped = join(dir, 'shipped.geojson');
  writeFileSync(shipped, readFileSync('data/vn-admin/boundaries-24-communes.geojson'));
  const back = cli(['units', 'boundaries', '--db', srv.db.url, shipped]);
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stdout, /1 updated, 98 unchanged/);
});

// [what, feature collection, text expected in the error]
const badFiles = [
  ['not JSON', '{"type":', /JSON/],
  ['a Point', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '07210' }, geometry: { type: 'Point', coordinates: [106, 21] } }] }, /features\[0\]/],
  ['an open ring', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '07210' }, geometry: { type: 'Polygon', coordinates: [[[106, 21], [106.1, 21], [106.1, 21.1], [106, 21.1]]] } }] }, /features\[0\]/],
  ['a latitude of 95', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '07210' }, geometry: { type: 'Polygon', coordinates: [[[106, 95], [106.1, 21], [106.1, 21.1], [106, 95]]] } }] }, /features\[0\]/],
  ['an unknown unit', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '99999' }, geometry: { type: 'Polygon', coordinates: square(106, 21, 0.01) } }] }, /99999/],
  ['no code', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square(106, 21, 0.01) } }] }, /properties\.code/],
];

for (const [what, fc, expect] of badFiles) {
  test(`a boundary file with ${what} is refused and changes nothing`, async () => {
    const etag0 = (await srv.json('/api/v1/geo/communes?province=24')).headers.get('etag');
    const file = join(dir, 'bad.geojson');
    writeFileSync(file, typeof fc === 'string' ? fc : JSON.stringify(fc));
    const r = cli(['units', 'boundaries', '--db', srv.db.url, file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, expect);
    const etag1 = (await srv.json('/api/v1/geo/communes?province=24')).headers.get('etag');
    assert.equal(etag1, etag0);
    const still = await locate('lat=21.287932&lon=106.220648');
    assert.equal(still.body.commune.code, '07210');
  });
}
