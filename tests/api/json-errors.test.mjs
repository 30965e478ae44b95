// JSON syntax errors in request bodies: a 400 problem whose detail is in the
// client's language (Accept-Language: vi by default, en), names the kind of
// mistake and its line:column, and carries no parser text; nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN } from './lib/server.mjs';
import { PROBLEM, auditCount, serverForFile } from './lib/helpers.mjs';

const fx = serverForFile();

// [what, body, Vietnamese detail, English detail, line:column]
const cases = [
  ['a truncated body', '{"name_en": "Bac', /cắt cụt/, /^Truncated JSON/, '1:16'],
  ['an empty body', '', /cắt cụt/, /^Truncated JSON/, '1:1'],
  ['a raw NUL byte', '{"name_en": "A\u0000b"}', /ký tự NUL/, /NUL character/, '1:15'],
  ['a \\u0000 escape', '{"name_en": "A\\u0000b"}', /ký tự NUL/, /NUL character/, null],
  ['a bad escape on line 2', '{\n  "name_en": "A\\qb"}', /chuỗi thoát/, /invalid escape/, '2:'],
  ['trailing garbage', '{"name_en": "X"} {"name": "Y"}', /nội dung thừa/, /extra content/, '1:'],
  ['deep nesting', '{"a":' + '['.repeat(5000), /lồng nhau quá sâu/, /nested too deeply/, '1:'],
  ['a missing colon', '{"name_en" "X"}', /sai cú pháp/, /syntax error/, '1:'],
  ['a repeated key', '{"name_en": "A", "name_en": "B"}', /khóa lặp lại/, /repeats an object key/, '1:'],
];

// text a parser (jansson) would write: it must not reach the client
const LEAKS = /JSON_ALLOW_NUL|near '|expected|unexpected|end of file|is not allowed without/i;

async function patch(body, lang) {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` };
  if (lang) headers['Accept-Language'] = lang;
  return fx.srv.json('/api/v1/units/24', { method: 'PATCH', headers, body });
}

for (const [what, body, vi, en, where] of cases) {
  test(`${what}: 400 in Vietnamese and in English, with where it is`, async () => {
    for (const [lang, re, label] of [[undefined, vi, 'dòng:cột'], ['en', en, 'line:column']]) {
      const r = await patch(body, lang);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.headers.get('content-type'), PROBLEM);
      assert.equal(r.headers.get('content-language'), lang === 'en' ? 'en' : 'vi');
      assert.match(r.body.detail, re, r.body.detail);
      assert.ok(r.body.detail.includes(label), `names the ${label}: ${r.body.detail}`);
      if (where) assert.ok(r.body.detail.includes(`${label} ${where}`), `at ${where}: ${r.body.detail}`);
      assert.doesNotMatch(r.body.detail, LEAKS);
      assert.equal(r.body.title, lang === 'en' ? 'Bad request' : 'Yêu cầu không hợp lệ');
    }
  });
}

test('none of the malformed bodies changed anything', async () => {
  const u = await fx.srv.json('/api/v1/units/24');
  assert.equal(u.body.name_en, 'Bac Ninh');
  assert.equal(auditCount(fx.srv.db.url), fx.audit0);
});
