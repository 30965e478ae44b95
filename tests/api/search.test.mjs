// Search (q=) on units, agencies and accounts through the full-text indexes
// of migration 007: every word of the query must start a word of the name,
// without diacritics or case, đ as d; empty and whitespace-only queries are
// no filter; text that is query syntax on either backend (FTS5 quotes, *,
// NEAR, -, column filters; tsquery & | ! <-> :*) is plain text; very long
// queries are refused with a problem; and a name changed through the API or
// `tinhso units import` is found by its new name on the very next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, cli, ADMIN_TOKEN } from './lib/server.mjs';
import { assertProblem } from './lib/helpers.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  if (srv) await srv.close();
});

const units = (q, extra = '') => srv.json(`/api/v1/units?limit=1000${extra}&q=` + encodeURIComponent(q));
const agencies = (q) => srv.json('/api/v1/agencies?limit=1000&q=' + encodeURIComponent(q));
const accounts = (q) =>
  srv.json('/api/v1/accounts?limit=200&q=' + encodeURIComponent(q), { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
const codes = (r) => r.body.items.map((u) => u.code);

// every word of q (folded) starts some word of one of the unit's names
const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
const words = (s) => fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
function matchesAll(u, q) {
  const have = [u.name, u.full_name, u.name_en || '', u.code].flatMap(words);
  return words(q).every((w) => have.some((h) => h.startsWith(w)));
}

test('a prefix of the last word is enough: "bac ni" finds Bắc Ninh', async () => {
  const r = await units('bac ni');
  assert.equal(r.status, 200);
  assert.ok(codes(r).includes('24'), JSON.stringify(codes(r)));
  for (const u of r.body.items) assert.ok(matchesAll(u, 'bac ni'), u.full_name);
  assert.equal((await units('bac ni', '&level=1')).body.items.map((u) => u.name).join(), 'Bắc Ninh');
});

test('several words, any order, each a prefix: "phuong kinh bac" finds Phường Kinh Bắc', async () => {
  for (const q of ['phuong kinh bac', 'kinh bac phuong', 'PHƯỜNG KINH BẮC', 'ph ki ba']) {
    const r = await units(q);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.some((u) => u.full_name === 'Phường Kinh Bắc'), `${q}: ${r.body.items.map((u) => u.full_name)}`);
    for (const u of r.body.items) assert.ok(matchesAll(u, q), `${q}: ${u.full_name}`);
  }
  const exact = await units('phuong kinh bac');
  assert.deepEqual(exact.body.items.map((u) => u.full_name), ['Phường Kinh Bắc']);
});

test('the middle of a word is not a match, and every word must match', async () => {
  assert.equal((await units('inh', '&level=1')).body.total, 0, '"inh" starts no province name');
  assert.equal((await units('bac ninh zzz')).body.total, 0);
});

test('diacritics, case, NFD and đ are ignored on both sides', async () => {
  const want = codes(await units('da nang'));
  assert.ok(want.length >= 1);
  for (const q of ['Đà Nẵng', 'ĐÀ NẴNG', 'đà nẵng'.normalize('NFD'), 'Da Nang', 'dA nAnG']) {
    assert.deepEqual(codes(await units(q)), want, q);
  }
  const dd = await units('đ', '&level=1');
  const d = await units('d', '&level=1');
  assert.deepEqual(codes(dd), codes(d));
  assert.ok(dd.body.items.some((u) => u.name === 'Đồng Tháp'), 'đ finds Đồng Tháp');
});

test('order and paging stay those of the listing: level, then code; total counts every match', async () => {
  const all = await units('bac');
  assert.ok(all.body.total > 10);
  const keyed = all.body.items.map((u) => [u.level, u.code]);
  const sorted = [...keyed].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  assert.deepEqual(keyed, sorted);
  const p = await srv.json('/api/v1/units?q=bac&limit=3&offset=3');
  assert.deepEqual(codes(p), codes(all).slice(3, 6));
  assert.equal(p.body.total, all.body.total);
  const past = await srv.json(`/api/v1/units?q=bac&limit=3&offset=${all.body.total + 5}`);
  assert.deepEqual(past.body.items, []);
  assert.equal(past.body.total, all.body.total, 'a page past the end still has the total');
});

test('empty and whitespace-only q are no filter at all', async () => {
  const none = await srv.json('/api/v1/units?level=1');
  for (const q of ['', ' ', '   ', '\t', ' \u00a0 ']) {
    const r = await units(q, '&level=1');
    assert.equal(r.status, 200, JSON.stringify(q));
    assert.equal(r.body.total, none.body.total, JSON.stringify(q));
    assert.equal(r.body.total, 34);
  }
  const a = await agencies('  ');
  assert.equal(a.body.total, (await srv.json('/api/v1/agencies?limit=1000')).body.total);
});

// query-language text of FTS5 and of tsquery: never an error, never "everything"
const hostile = [
  '"', '""', '"bac', 'bac"', '*', 'bac*', '*bac', '^bac', 'bac:*', ':*', "'", "''", "'bac'",
  'NEAR', 'NEAR(bac ninh)', 'NEAR(bac ninh, 0)', 'bac NEAR ninh', 'AND', 'OR', 'NOT', 'bac OR ninh',
  'bac NOT ninh', 'bac AND ninh', '-', '-bac', 'bac -ninh', 'search_key:bac', '{search_key}:bac',
  'admin_units_fts:bac', 'rowid:1', '+', 'bac + ninh', '(bac)', '(', ')', 'bac)', '&', '|', '!',
  'bac & ninh', 'bac | ninh', '!bac', 'bac <-> ninh', '<->', '<2>', 'bac:A', 'bac:*B', '\\', '\\"',
  '%', '_', "' OR '1'='1", "'; DROP TABLE admin_units;--", 'x\u0000y'.replace('\u0000', ''),
];

test('FTS5 and tsquery syntax in q is plain text on units', async () => {
  for (const q of hostile) {
    const r = await units(q);
    assert.equal(r.status, 200, `q=${q}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.ok(r.body.total < 3000, `q=${q} must not list everything (total ${r.body.total})`);
    for (const u of r.body.items) assert.ok(matchesAll(u, q), `q=${q}: ${u.full_name}`);
  }
  // operators between words are separators: the words still have to match
  assert.deepEqual(codes(await units('bac | ninh', '&level=1')), ['24']);
  assert.deepEqual(codes(await units('bac OR ninh', '&level=1')), [], 'OR is a word here, and no name has it');
  assert.equal((await srv.json('/api/v1/units?level=1')).body.total, 34, 'the table is intact');
});

test('FTS5 and tsquery syntax in q is plain text on agencies and accounts', async () => {
  const allAg = (await srv.json('/api/v1/agencies?limit=1000')).body.total;
  const allAc = (await accounts('')).body.total;
  for (const q of hostile) {
    const a = await agencies(q);
    assert.equal(a.status, 200, `agencies q=${q}: ${JSON.stringify(a.body).slice(0, 200)}`);
    assert.ok(a.body.total < allAg || allAg === 0, `agencies q=${q}: ${a.body.total} of ${allAg}`);
    const p = await accounts(q);
    assert.equal(p.status, 200, `accounts q=${q}: ${JSON.stringify(p.body).slice(0, 200)}`);
    assert.ok(p.body.total < allAc, `accounts q=${q}: ${p.body.total} of ${allAc}`);
  }
});

test('very long queries: over 100 characters a problem on units and agencies, over 200 bytes on accounts', async () => {
  assertProblem(await units('bac '.repeat(25) + 'x'), 400, 'q');
  assertProblem(await agencies('a'.repeat(101)), 400, 'q');
  const ok = await units('b'.repeat(100));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.total, 0);
  // 33 distinct words (65 characters): more than 32 words is refused
  const many = [...'abcdefghijklmnopqrstuvwxyz0123456'].join(' ');
  assertProblem(await units(many), 400, 'q');
  assert.equal((await units(many.slice(2))).status, 200, '32 words are fine');
  assertProblem(await accounts('nguyen '.repeat(40)), 400, 'q');
  const same = await units('bac '.repeat(24) + 'ninh', '&level=1');
  assert.equal(same.status, 200, 'the same word many times is one word');
  assert.deepEqual(codes(same), ['24']);
});

test('invalid UTF-8 in q is a problem, in Vietnamese and English', async () => {
  for (const path of ['/api/v1/units?q=%C3%28', '/api/v1/agencies?q=%FF']) {
    const vi = await srv.json(path);
    assertProblem(vi, 400, 'q');
    const en = await srv.json(path, { headers: { 'Accept-Language': 'en' } });
    assertProblem(en, 400, 'q');
    assert.notEqual(vi.body.title, en.body.title);
  }
});

test('agencies: word prefixes, and dotted codes as parts in order', async () => {
  const r = await agencies('so tu ph');
  assert.ok(r.body.items.some((a) => a.name === 'Sở Tư pháp'), r.body.items.map((a) => a.name).join());
  const byCode = await agencies('000.00.03');
  assert.equal(byCode.status, 200);
  assert.ok(byCode.body.items.length >= 1);
  assert.ok(byCode.body.items.every((a) => a.code.toLowerCase().startsWith('000.00.03')), codes(byCode).join());
  const ubnd = await agencies('ủy ban nhân dân tỉnh');
  assert.ok(ubnd.body.items.some((a) => a.code === '000.00.00.H06'), codes(ubnd).join());
});

test('a unit renamed through PATCH is found by its new name on the next request, not by the old one', async () => {
  const before = await units('phuong kinh bac');
  assert.equal(before.body.items.length, 1);
  const { code, name_en } = before.body.items[0];
  // the English name is part of the key too ("Kinh Bac")
  const p = await srv.admin('/api/v1/units/' + code, 'PATCH', { name: 'Thử Tìm Kiếm', full_name: 'Phường Thử Tìm Kiếm', name_en: 'Thu Tim Kiem' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.deepEqual(codes(await units('thu tim kiem')), [code]);
  assert.deepEqual(codes(await units('phuong thu tim')), [code]);
  assert.deepEqual(codes(await units('phuong kinh bac')), []);
  const back = await srv.admin('/api/v1/units/' + code, 'PATCH', { name: 'Kinh Bắc', full_name: 'Phường Kinh Bắc', name_en });
  assert.equal(back.status, 200);
  assert.deepEqual(codes(await units('phuong kinh bac')), [code]);
  assert.deepEqual(codes(await units('thu tim kiem')), []);
});

test('an agency renamed through PATCH is found by its new name at once', async () => {
  const code = '000.00.03.H06';
  const p = await srv.admin('/api/v1/agencies/' + code, 'PATCH', { name: 'Sở Pháp chế Thử nghiệm' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.ok(codes(await agencies('phap che thu')).includes(code));
  assert.ok(!codes(await agencies('so tu phap')).includes(code));
  const back = await srv.admin('/api/v1/agencies/' + code, 'PATCH', { name: 'Sở Tư pháp' });
  assert.equal(back.status, 200);
  assert.ok(codes(await agencies('so tu phap')).includes(code));
});

test('an account: found by its words after registration, by its new full name after PATCH', async () => {
  const r = await srv.json('/api/v1/auth/register', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'congdan4711', full_name: 'Đỗ Văn Hùng', password: 'hoa sen nở giữa hè' }),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const found = await accounts('do van hung');
  assert.deepEqual(found.body.items.map((a) => a.username), ['congdan4711']);
  assert.deepEqual((await accounts('congdan47')).body.items.map((a) => a.username), ['congdan4711']);
  const id = found.body.items[0].id;
  const p = await srv.admin(`/api/v1/accounts/${id}`, 'PATCH', { full_name: 'Hoàng Văn Hùng' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.deepEqual((await accounts('hoang van hung')).body.items.map((a) => a.username), ['congdan4711']);
  assert.deepEqual((await accounts('do van hung')).body.items, []);
  // the page's grants come with it (one query for the page)
  const officers = await srv.json('/api/v1/accounts?kind=officer&limit=200', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.ok(officers.body.items.length >= 2);
  for (const o of officers.body.items) {
    assert.ok(Array.isArray(o.grants));
    const one = await srv.json(`/api/v1/accounts/${o.id}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.deepEqual(o.grants, one.body.grants, o.username);
  }
});

test('demo data is searchable: units, agencies and sign-ins made by tinhso demo', async () => {
  assert.ok((await units('tinh bac ninh')).body.items.some((u) => u.code === '24'));
  assert.ok((await agencies('so')).body.total >= 5);
  assert.ok((await accounts('nguoidan')).body.total >= 2);
});

test('`tinhso units import` beside the running server: the new names are found', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tinhso-search-'));
  try {
    const file = join(tmp, 'units.json');
    writeFileSync(file, JSON.stringify([{
      Code: '97', Name: 'Tìm Kiếm', FullName: 'Tỉnh Tìm Kiếm', AdministrativeUnitShortNameEn: 'Province',
      Wards: [{ Code: '99971', Name: 'Đồi Thông Reo', FullName: 'Phường Đồi Thông Reo', AdministrativeUnitShortNameEn: 'Ward' }],
    }]));
    const r = cli(['units', 'import', '--db', srv.db.url, file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(codes(await units('doi thong')), ['99971']);
    assert.deepEqual(codes(await units('tinh tim kiem')), ['97']);
    writeFileSync(file, JSON.stringify([{
      Code: '97', Name: 'Tìm Kiếm', FullName: 'Tỉnh Tìm Kiếm', AdministrativeUnitShortNameEn: 'Province',
      Wards: [{ Code: '99971', Name: 'Suối Vàng', FullName: 'Phường Suối Vàng', AdministrativeUnitShortNameEn: 'Ward' }],
    }]));
    assert.equal(cli(['units', 'import', '--db', srv.db.url, file]).status, 0);
    // another process changed the data: the server notices within ref_cache_check_ms (1 s),
    // also for the copy of the search it answered before
    let now, old;
    for (let i = 0; i < 40; i++) {
      now = codes(await units('suoi vang'));
      old = codes(await units('doi thong'));
      if (now.length && !old.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.deepEqual(now, ['99971']);
    assert.deepEqual(old, []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
