// Hostile input against the write endpoint PATCH /api/v1/units/{code}:
// authentication, malformed and oversized bodies, wrong types, invalid
// UTF-8, injection attempts, Unicode normalisation, and the audit trail
// (one entry per successful change, none for failed requests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN_TOKEN } from './lib/server.mjs';
import { PROBLEM, auditCount, rawRequest } from './lib/helpers.mjs';

let srv;
let auditBase; // audit entries after the demo load
let successes = 0; // successful PATCHes made by this file

const ORIGINAL = { name: 'Bắc Ninh', full_name: 'Tỉnh Bắc Ninh', name_en: 'Bac Ninh' };

before(async () => {
  srv = await startServer();
  auditBase = auditCount(srv.db.url);
});

after(async () => {
  if (srv) await srv.close();
});

async function unit24() {
  const r = await srv.json('/api/v1/units/24');
  assert.equal(r.status, 200);
  return r.body;
}

async function assertUnchanged() {
  const u = await unit24();
  assert.equal(u.name, ORIGINAL.name, 'name unchanged');
  assert.equal(u.full_name, ORIGINAL.full_name, 'full_name unchanged');
  assert.equal(u.name_en, ORIGINAL.name_en, 'name_en unchanged');
}

function assertProblem(r, statuses) {
  const ok = Array.isArray(statuses) ? statuses : [statuses];
  assert.ok(ok.includes(r.status),
    `expected ${ok.join('/')}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.match(r.headers.get('content-type') || '', PROBLEM);
  assert.equal(r.body.status, r.status);
}

const patch = (body, headers) => srv.admin('/api/v1/units/24', 'PATCH', body, headers);

// PATCH with raw bytes and explicit headers through fetch.
function patchRaw(body, headers = {}) {
  return srv.json('/api/v1/units/24', {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    body,
  });
}

// A raw node:http request (helpers.mjs) with the body as text.
async function raw(opts) {
  const r = await rawRequest(srv.port, { timeoutMs: 15000, ...opts });
  return { ...r, body: r.body.toString() };
}

// ------------------------------------------------------------------ authentication

test('PATCH without a token is 401 problem+json and changes nothing', async () => {
  const r = await srv.json('/api/v1/units/24', {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Hacked' }),
  });
  assertProblem(r, 401);
  assert.match(r.headers.get('www-authenticate') || '', /^Bearer\b/i, 'WWW-Authenticate: Bearer');
  await assertUnchanged();
});

test('PATCH with a wrong token is 403 problem+json and changes nothing', async () => {
  for (const auth of ['Bearer wrong-token', `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
    'Bearer ']) {
    const r = await srv.json('/api/v1/units/24', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ name: 'Hacked' }),
    });
    assertProblem(r, [401, 403]);
  }
  const r = await patch({ name: 'Hacked' }, { Authorization: 'Bearer not-the-admin-token' });
  assertProblem(r, 403);
  await assertUnchanged();
});

test('PATCH with a non-Bearer Authorization is 401', async () => {
  const basic = 'Basic ' + Buffer.from('admin:' + ADMIN_TOKEN).toString('base64');
  const r = await patch({ name: 'Hacked' }, { Authorization: basic });
  assertProblem(r, 401);
  await assertUnchanged();
});

test('401 and 403 problems explain the authentication problem, not an internal error', async () => {
  for (const lang of ['vi', 'en']) {
    const noTok = await srv.json('/api/v1/units/24', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
      body: '{"name":"x"}',
    });
    const badTok = await patch({ name: 'x' }, { Authorization: 'Bearer nope', 'Accept-Language': lang });
    for (const r of [noTok, badTok]) {
      assert.ok([401, 403].includes(r.status));
      assert.doesNotMatch(r.body.detail, /Lỗi hệ thống|Internal error|try again later|thử lại sau/i,
        `${r.status} (${lang}) detail says: ${r.body.detail}`);
    }
  }
});

// ------------------------------------------------------------------ malformed bodies

const badBodies = [
  ['malformed JSON', '{"name": x}', 'application/json', [400]],
  ['truncated JSON', '{"name": "Bắc', 'application/json', [400]],
  ['a JSON array', '[{"name": "X"}]', 'application/json', [400, 422]],
  ['a JSON number', '5', 'application/json', [400, 422]],
  ['a JSON string', '"name"', 'application/json', [400, 422]],
  ['JSON null', 'null', 'application/json', [400, 422]],
  ['an empty body', '', 'application/json', [400]],
  ['trailing garbage', '{"name": "X"} {"name": "Y"}', 'application/json', [400]],
  ['wrong Content-Type (text/plain)', '{"name": "X"}', 'text/plain', [415]],
  ['form Content-Type', 'name=X', 'application/x-www-form-urlencoded', [415]],
  ['Content-Type application/jsonx', '{"name": "X"}', 'application/jsonx', [415]],
];

for (const [what, body, ctype, statuses] of badBodies) {
  test(`PATCH with ${what} is ${statuses.join('/')} and changes nothing`, async () => {
    const r = await patchRaw(body, { 'Content-Type': ctype });
    assertProblem(r, statuses);
    await assertUnchanged();
  });
}

test('PATCH without any Content-Type is 415 and changes nothing', async () => {
  const r = await patchRaw(new Blob(['{"name": "X"}']), {});
  assertProblem(r, [400, 415]);
  await assertUnchanged();
});

test('PATCH with invalid UTF-8 (0xC3 0x28) inside a JSON string is 400', async () => {
  const body = Buffer.concat([Buffer.from('{"name": "B'), Buffer.from([0xc3, 0x28]), Buffer.from('c"}')]);
  const r = await patchRaw(body, { 'Content-Type': 'application/json' });
  assertProblem(r, 400);
  await assertUnchanged();
});

test('PATCH with a NUL escape (\\u0000) in a string is rejected', async () => {
  const r = await patchRaw('{"name": "B\\u0000c"}', { 'Content-Type': 'application/json' });
  assertProblem(r, [400, 422]);
  await assertUnchanged();
});

test('PATCH with duplicate keys is 400', async () => {
  const r = await patchRaw('{"name": "A", "name": "B"}', { 'Content-Type': 'application/json' });
  assertProblem(r, 400);
  await assertUnchanged();
});

// ------------------------------------------------------------------ validation (422)

const invalid = [
  ['a number for name', { name: 5 }, 'name'],
  ['an object for name', { name: { x: 1 } }, 'name'],
  ['an array for full_name', { full_name: ['x'] }, 'full_name'],
  ['a boolean for name_en', { name_en: true }, 'name_en'],
  ['an unknown field', { nmae: 'x' }, 'nmae'],
  ['an empty name', { name: '' }, 'name'],
  ['a blank name', { name: '   ' }, 'name'],
  ['a 201-character name', { name: 'a'.repeat(201) }, 'name'],
  ['a 201-character Vietnamese name', { name: 'ằ'.repeat(201) }, 'name'],
  ['a 301-character full_name', { full_name: 'x'.repeat(301) }, 'full_name'],
  ['a number for valid_to', { valid_to: 20260101 }, 'valid_to'],
  ['a malformed valid_to', { valid_to: '2026-13-01' }, 'valid_to'],
  ['valid_to before valid_from', { valid_to: '2025-01-01' }, 'valid_to'],
  ['an empty object', {}, null],
];

for (const [what, body, field] of invalid) {
  test(`PATCH with ${what} is 422${field ? ` naming ${field}` : ''} and changes nothing`, async () => {
    const r = await patch(body);
    assertProblem(r, 422);
    assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0, 'errors[] not empty');
    if (field)
      assert.ok(r.body.errors.some((e) => e.field === field),
        `errors[] names ${field}: ${JSON.stringify(r.body.errors)}`);
    await assertUnchanged();
  });
}

test('failed requests added no audit entries', () => {
  assert.equal(auditCount(srv.db.url), auditBase);
});

// ------------------------------------------------------------------ size limits

test('a body bigger than 1 MiB (Content-Length) is 413 and the server keeps serving', async () => {
  const body = Buffer.alloc((1 << 20) + 1024, 'a');
  const r = await raw({
    method: 'PATCH', path: '/api/v1/units/24',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}`,
      'Content-Length': body.length },
    write: (req) => req.end(body),
  });
  assert.equal(r.status, 413, r.error ? `no response: ${r.error}` : r.body.slice(0, 200));
  const h = await srv.json('/healthz');
  assert.equal(h.status, 200);
  await assertUnchanged();
});

test('a chunked body bigger than 1 MiB is 413 and the server keeps serving', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const r = await raw({
    method: 'PATCH', path: '/api/v1/units/24',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}`,
      'Transfer-Encoding': 'chunked' },
    write: (req) => {
      let n = 0;
      const pump = () => {
        while (n < 20) { // 1.25 MiB
          n++;
          if (!req.write(chunk)) { req.once('drain', pump); return; }
        }
        req.end();
      };
      req.on('error', () => {});
      pump();
    },
  });
  assert.equal(r.status, 413, r.error ? `no response: ${r.error}` : r.body.slice(0, 200));
  const h = await srv.json('/healthz');
  assert.equal(h.status, 200);
  await assertUnchanged();
});

test('a body of exactly 1 MiB is not refused for its size', async () => {
  const name = 'Giới hạn';
  let body = JSON.stringify({ name });
  body = body.slice(0, -1) + ' '.repeat((1 << 20) - Buffer.byteLength(body)) + '}';
  assert.equal(Buffer.byteLength(body), 1 << 20);
  const r = await patchRaw(body, { 'Content-Type': 'application/json' });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 200));
  successes++;
  assert.equal(r.body.name, name);
  const back = await patch({ name: ORIGINAL.name });
  assert.equal(back.status, 200);
  successes++;
});

test('a huge header (100 KB cookie) is refused with 4xx or a closed connection, never a crash', async () => {
  const r = await raw({ path: '/healthz', headers: { Cookie: 'a=' + 'x'.repeat(100 * 1024) } });
  if (r.status !== 0) assert.ok([400, 413, 431].includes(r.status), `status ${r.status}`);
  const h = await srv.json('/healthz');
  assert.equal(h.status, 200);
  assert.equal(srv.proc.exitCode, null, 'server still running');
  assert.equal(srv.proc.signalCode, null, 'server not killed by a signal');
});

test('many headers are refused or served, never a crash', async () => {
  const headers = {};
  for (let i = 0; i < 2000; i++) headers[`X-H${i}`] = 'v'.repeat(20);
  const r = await raw({ path: '/healthz', headers });
  if (r.status !== 0) assert.ok([200, 400, 413, 431].includes(r.status), `status ${r.status}`);
  assert.equal((await srv.json('/healthz')).status, 200);
});

// ------------------------------------------------------------------ successful writes

test('a 200-character Vietnamese name (multibyte) is accepted: the limit counts characters', async () => {
  const name = 'ằ'.repeat(200);
  assert.equal(Buffer.byteLength(name), 600);
  const r = await patch({ name });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  successes++;
  assert.equal(r.body.name, name);
  assert.equal((await unit24()).name, name);
});

test('SQL metacharacters in a name are stored and returned verbatim', async () => {
  const name = "Robert'); DROP TABLE admin_units;--";
  const r = await patch({ name });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  successes++;
  assert.equal(r.body.name, name);
  assert.equal((await unit24()).name, name);
  const l = await srv.json('/api/v1/units?level=1');
  assert.equal(l.body.total, 34, 'the units table still works');
});

test('HTML/script in a name is stored verbatim and served as JSON', async () => {
  const name = '<script>alert(1)</script>';
  const r = await patch({ name, full_name: '"><img src=x onerror=alert(1)>' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  successes++;
  assert.equal(r.body.name, name);
  const g = await srv.fetch('/api/v1/units/24');
  assert.match(g.headers.get('content-type'), /^application\/json/);
  assert.equal(g.headers.get('x-content-type-options'), 'nosniff');
  const u = JSON.parse(await g.text());
  assert.equal(u.name, name);
  assert.equal(u.full_name, '"><img src=x onerror=alert(1)>');
  const back = await patch({ full_name: ORIGINAL.full_name });
  assert.equal(back.status, 200);
  successes++;
});

test('a name sent in NFD comes back in NFC (and is searchable)', async () => {
  const nfc = 'Bắc Ninh Mới';
  const nfd = nfc.normalize('NFD');
  assert.notEqual(nfd, nfc);
  const r = await patch({ name: nfd });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  successes++;
  assert.equal(r.body.name, nfc);
  const u = await unit24();
  assert.equal(u.name, nfc);
  const s = await srv.json('/api/v1/units?level=1&q=' + encodeURIComponent('bac ninh moi'));
  assert.equal(s.body.total, 1);
  assert.equal(s.body.items[0].code, '24');
});

test('surrounding spaces are trimmed from a name', async () => {
  const r = await patch({ name: '  Bắc Ninh Trim  ' });
  assert.equal(r.status, 200);
  successes++;
  assert.equal(r.body.name, 'Bắc Ninh Trim');
});

test('the length limit counts characters after NFC: 100 Vietnamese letters typed in NFD are accepted', async () => {
  const nfc = 'ằ'.repeat(100);
  const nfd = nfc.normalize('NFD'); // 300 code points, 100 characters
  assert.equal([...nfd].length, 300);
  const r = await patch({ name: nfd });
  if (r.status === 200) successes++;
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  assert.equal(r.body.name, nfc);
});

test('PATCH of an unknown or malformed unit code is 404 and writes nothing', async () => {
  for (const code of ['99', '99999', 'abc']) {
    const r = await srv.admin('/api/v1/units/' + code, 'PATCH', { name: 'X' });
    assertProblem(r, 404);
  }
});

test('restoring the original name works', async () => {
  const r = await patch({ name: ORIGINAL.name, full_name: ORIGINAL.full_name });
  assert.equal(r.status, 200);
  successes++;
  await assertUnchanged();
});

test('after all of that the units table is intact (34 provinces, 99 communes of Bắc Ninh)', async () => {
  const l = await srv.json('/api/v1/units?level=1');
  assert.equal(l.status, 200);
  assert.equal(l.body.total, 34);
  const c = await srv.json('/api/v1/units?parent=24');
  assert.equal(c.body.total, 99);
  const all = await srv.json('/api/v1/units?limit=1');
  assert.equal(all.body.total, 3355);
});

test('the audit trail has exactly one entry per successful PATCH and the chain verifies', () => {
  assert.equal(auditCount(srv.db.url), auditBase + successes);
});

test('each successful PATCH adds exactly one audit entry; a failed one adds none', async () => {
  const n0 = auditCount(srv.db.url);
  const ok = await patch({ name_en: 'Bac Ninh (audit)' });
  assert.equal(ok.status, 200);
  assert.equal(auditCount(srv.db.url), n0 + 1);
  const bad = await patch({ name_en: 5 });
  assert.equal(bad.status, 422);
  const unauth = await srv.json('/api/v1/units/24', { method: 'PATCH',
    headers: { 'Content-Type': 'application/json' }, body: '{"name_en":"x"}' });
  assert.equal(unauth.status, 401);
  assert.equal(auditCount(srv.db.url), n0 + 1);
  const back = await patch({ name_en: ORIGINAL.name_en });
  assert.equal(back.status, 200);
  assert.equal(auditCount(srv.db.url), n0 + 2);
  await assertUnchanged();
});

// ------------------------------------------------------------------ closing and reopening

function yesterday() {
  return new Date(Date.now() - 86400e3).toISOString().slice(0, 10);
}

test('a unit closed by mistake (valid_to in the past) can be reopened with valid_to: null', async () => {
  const l = await srv.json('/api/v1/units?parent=24&limit=1&offset=98');
  const code = l.body.items[0].code;
  const vt = yesterday();
  assert.ok(vt > '2025-07-01', 'the clock is after the 2025 shape took effect');
  const close = await srv.admin('/api/v1/units/' + code, 'PATCH', { valid_to: vt });
  assert.equal(close.status, 200, JSON.stringify(close.body));
  assert.equal(close.body.valid_to, vt);
  assert.equal((await srv.json('/api/v1/units/' + code)).status, 404, 'closed: not valid today');
  const reopen = await srv.admin('/api/v1/units/' + code, 'PATCH', { valid_to: null });
  assert.equal(reopen.status, 200,
    `reopening ${code} failed: ${reopen.status} ${JSON.stringify(reopen.body).slice(0, 200)}`);
  assert.equal(reopen.body.valid_to, null);
  const g = await srv.json('/api/v1/units/' + code);
  assert.equal(g.status, 200);
  assert.equal((await srv.json('/api/v1/units?parent=24')).body.total, 99);
});
