// Administrative units API: GET /api/v1/units/{code} and GET /api/v1/units
// (search without diacritics, filters, paging, validity dates, hostile input).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.close();
});

const PROBLEM = /^application\/problem\+json/;

function assertProblem(r, status) {
  assert.equal(r.status, status,
    `expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.match(r.headers.get('content-type') || '', PROBLEM);
  assert.equal(typeof r.body, 'object', 'problem body is JSON');
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  assert.ok(r.body.detail.length > 0, 'detail is not empty');
}

const list = (qs) => srv.json('/api/v1/units?' + qs);

// ------------------------------------------------------------------ GET one

test('GET /api/v1/units/24 is the province of Bắc Ninh', async () => {
  const r = await srv.json('/api/v1/units/24');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.body.code, '24');
  assert.equal(r.body.name, 'Bắc Ninh');
  assert.equal(r.body.full_name, 'Tỉnh Bắc Ninh');
  assert.equal(r.body.level, 1);
  assert.equal(r.body.parent_code, null);
  assert.deepEqual(r.body.parents, []);
});

test('a commune of Bắc Ninh names the province as its parent', async () => {
  const l = await list('parent=24&limit=1');
  assert.equal(l.status, 200);
  assert.equal(l.body.items.length, 1);
  const code = l.body.items[0].code;
  assert.match(code, /^\d{5}$/);
  const r = await srv.json('/api/v1/units/' + code);
  assert.equal(r.status, 200);
  assert.equal(r.body.code, code);
  assert.equal(r.body.level, 3);
  assert.equal(r.body.parent_code, '24');
  assert.equal(r.body.parents.length, 1);
  assert.equal(r.body.parents[0].code, '24');
  assert.equal(r.body.parents[0].name, 'Bắc Ninh');
  assert.equal(r.body.parents[0].full_name, 'Tỉnh Bắc Ninh');
  assert.equal(r.body.parents[0].level, 1);
});

test('an unknown unit code is a 404 problem naming the code', async () => {
  const r = await srv.json('/api/v1/units/99');
  assertProblem(r, 404);
  assert.match(r.body.detail, /\b99\b/);
  assert.equal(r.body.instance, '/api/v1/units/99');
  const commune = await srv.json('/api/v1/units/99999');
  assertProblem(commune, 404);
  assert.match(commune.body.detail, /99999/);
});

// Raw path segments (already URL-encoded where needed).
// [what, path segment, expected status]: a NUL byte anywhere in the target is
// refused as a bad request before routing (it would otherwise cut the path).
const malformed = [
  ['abc', 'abc', 404],
  ['SQL injection', encodeURIComponent("1'; DROP TABLE admin_units;--"), 404],
  ['a NUL byte (%00)', '%00', 400],
  ['a code followed by a NUL byte (24%00abc)', '24%00abc', 400],
  ['too many digits', '1234567', 404],
  ['a four-digit code', '2424', 404],
];

for (const [what, seg, status] of malformed) {
  test(`a malformed unit code (${what}) is a ${status} problem`, async () => {
    const r = await srv.json('/api/v1/units/' + seg);
    assertProblem(r, status);
    assert.ok(!('items' in r.body), 'must not answer with the unit list');
    assert.ok(!('code' in r.body && r.body.code === '24'), 'must not answer with unit 24');
  });
}

test('the units table still works after hostile codes', async () => {
  const r = await srv.json('/api/v1/units/24');
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'Bắc Ninh');
  const l = await list('level=1');
  assert.equal(l.status, 200);
  assert.equal(l.body.total, 34);
});

// ------------------------------------------------------------------ search

const bacNinh = 'Bắc Ninh';
const searches = [
  ['without diacritics', 'bac ninh'],
  ['with diacritics', bacNinh],
  ['upper case, no diacritics', 'BAC NINH'],
  ['lower case with diacritics', 'bắc ninh'],
  ['decomposed (NFD)', bacNinh.normalize('NFD')],
  ['upper case with diacritics', 'BẮC NINH'],
  ['extra spaces', '  bac   ninh  '],
];

test('the NFD test string really is decomposed', () => {
  assert.notEqual(bacNinh.normalize('NFD'), bacNinh);
  assert.ok(bacNinh.normalize('NFD').length > bacNinh.length);
});

for (const [what, q] of searches) {
  test(`q finds Bắc Ninh (${what})`, async () => {
    const r = await list('limit=1000&q=' + encodeURIComponent(q));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.total >= 1);
    assert.ok(r.body.total < 100, `search should be selective, total ${r.body.total}`);
    assert.ok(r.body.items.some((u) => u.code === '24'), 'code 24 in the results');
  });
}

test('q combined with level=1 finds exactly Bắc Ninh', async () => {
  const r = await list('level=1&q=' + encodeURIComponent('bac ninh'));
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 1);
  assert.equal(r.body.items[0].code, '24');
});

test('q that matches nothing gives total 0', async () => {
  const r = await list('q=' + encodeURIComponent('zzzqqq khong co'));
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 0);
  assert.deepEqual(r.body.items, []);
});

test('q with LIKE wildcards matches them literally (q=% and q=_ find nothing)', async () => {
  // '%' and '_' separate words like any punctuation: '%inh' is the word 'inh', which no name starts with
  for (const q of ['%', '_', '%%', '__', '%_%', '%inh', '\\', '\\%', "' OR '1'='1", "'; DROP TABLE admin_units;--"]) {
    const r = await list('q=' + encodeURIComponent(q));
    assert.equal(r.status, 200, `q=${q}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.total, 0, `q=${q} must not match anything, total ${r.body.total}`);
    assert.deepEqual(r.body.items, []);
  }
});

test("q=' matches only names that contain an apostrophe", async () => {
  const r = await list('limit=1000&q=' + encodeURIComponent("'"));
  assert.equal(r.status, 200);
  assert.ok(r.body.total < 100, `total ${r.body.total}`);
  for (const u of r.body.items)
    assert.ok([u.name, u.full_name, u.name_en].some((s) => s && s.includes("'")), u.name);
});

test('the units table still works after hostile searches', async () => {
  const l = await list('level=1');
  assert.equal(l.body.total, 34);
  assert.equal((await srv.json('/api/v1/units/24')).body.name, 'Bắc Ninh');
});

// ------------------------------------------------------------------ filters, paging

test('parent=24 lists the 99 communes of Bắc Ninh', async () => {
  const r = await list('parent=24&limit=1000');
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 99);
  assert.equal(r.body.items.length, 99);
  for (const u of r.body.items) {
    assert.equal(u.parent_code, '24');
    assert.equal(u.level, 3);
  }
  assert.equal(new Set(r.body.items.map((u) => u.code)).size, 99);
});

test('paging parent=24 with limit/offset gives disjoint pages covering all 99', async () => {
  const all = (await list('parent=24&limit=1000')).body.items.map((u) => u.code);
  const seen = [];
  const sizes = [];
  for (let offset = 0; offset < 99; offset += 40) {
    const r = await list(`parent=24&limit=40&offset=${offset}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 99, 'total does not depend on the page');
    assert.equal(r.body.limit, 40);
    assert.equal(r.body.offset, offset);
    sizes.push(r.body.items.length);
    seen.push(...r.body.items.map((u) => u.code));
  }
  assert.deepEqual(sizes, [40, 40, 19]);
  assert.equal(new Set(seen).size, 99, 'pages are disjoint');
  assert.deepEqual(seen, all, 'pages in order cover the whole list');
  const past = await list('parent=24&limit=40&offset=99');
  assert.equal(past.status, 200);
  assert.equal(past.body.total, 99);
  assert.deepEqual(past.body.items, []);
});

test('level=1 lists the 34 provinces', async () => {
  const r = await list('level=1&limit=1000');
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 34);
  assert.equal(r.body.items.length, 34);
  assert.ok(r.body.items.every((u) => u.level === 1 && u.parent_code === null));
  const codes = r.body.items.map((u) => u.code);
  assert.ok(codes.includes('24') && codes.includes('01'));
});

test('default limit is 100 and the total counts all 3,355 units', async () => {
  const r = await list('');
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 3355);
  assert.equal(r.body.items.length, 100);
  assert.equal(r.body.limit, 100);
  assert.equal(r.body.offset, 0);
});

const badParams = [
  ['level=9', 'level'],
  ['level=0', 'level'],
  ['level=x', 'level'],
  ['limit=0', 'limit'],
  ['limit=abc', 'limit'],
  ['limit=1001', 'limit'],
  ['limit=-5', 'limit'],
  ['offset=-1', 'offset'],
  ['offset=1.5', 'offset'],
  ['date=2025-13-01', 'date'],
  ['date=2025-02-30', 'date'],
  ['date=yesterday', 'date'],
  ['parent=abc', 'parent'],
  ['q=' + encodeURIComponent('x'.repeat(101)), 'q'],
  ['q=%C3%28', 'q'],
];

for (const [qs, field] of badParams) {
  test(`GET /api/v1/units?${qs.slice(0, 40)} is a 400 problem naming ${field}`, async () => {
    const r = await list(qs);
    assertProblem(r, 400);
    assert.ok(Array.isArray(r.body.errors), 'errors[] present');
    assert.ok(r.body.errors.some((e) => e.field === field),
      `errors[] names ${field}: ${JSON.stringify(r.body.errors)}`);
  });
}

test('GET /api/v1/units/24 with a malformed date is a 400 naming date', async () => {
  const r = await srv.json('/api/v1/units/24?date=2025-13-01');
  assertProblem(r, 400);
  assert.ok(r.body.errors.some((e) => e.field === 'date'));
});

// ------------------------------------------------------------------ validity dates

test('before the 2025 shape took effect (date=2025-06-30) there are no units', async () => {
  const l = await list('date=2025-06-30');
  assert.equal(l.status, 200);
  assert.equal(l.body.total, 0);
  assert.deepEqual(l.body.items, []);
  const one = await srv.json('/api/v1/units/24?date=2025-06-30');
  assertProblem(one, 404);
});

test('on the day the 2025 shape took effect (date=2025-07-01) the units exist', async () => {
  const l = await list('level=1&date=2025-07-01');
  assert.equal(l.status, 200);
  assert.equal(l.body.total, 34);
  const one = await srv.json('/api/v1/units/24?date=2025-07-01');
  assert.equal(one.status, 200);
  assert.equal(one.body.name, 'Bắc Ninh');
});
