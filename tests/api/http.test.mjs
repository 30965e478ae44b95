// Protocol behaviour of the HTTP server: problem+json errors and their
// language, methods, security headers, request ids, health/readiness,
// metrics, the static front page (ETag, gzip), path traversal, OpenAPI, HEAD.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { startServer } from './lib/server.mjs';
import { PROBLEM, rawRequest } from './lib/helpers.mjs';

let srv;

before(async () => {
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.close();
});

// A raw request through node:http (helpers.mjs): no normalisation of the
// path, no decompression; the body is a Buffer.
const raw = (opts) => rawRequest(srv.port, opts);

// Send bytes on a plain socket and collect everything until the server closes.
function rawSocket(text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    s.setTimeout(5000, () => s.destroy());
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.write(text);
  });
}

const VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function assertSecurityHeaders(h, what) {
  const get = (n) => (typeof h.get === 'function' ? h.get(n) : h[n.toLowerCase()]);
  const rid = get('X-Request-Id');
  assert.ok(rid, `${what}: X-Request-Id present`);
  assert.match(rid, SANE_ID, `${what}: X-Request-Id is sane`);
  const csp = get('Content-Security-Policy');
  assert.ok(csp, `${what}: Content-Security-Policy present`);
  assert.ok(csp.includes("frame-ancestors 'none'"), `${what}: CSP has frame-ancestors 'none'`);
  assert.equal(get('X-Content-Type-Options'), 'nosniff', `${what}: nosniff`);
  assert.ok(get('Referrer-Policy'), `${what}: Referrer-Policy present`);
}

// ------------------------------------------------------------------ problem+json

test('an unknown path is a 404 problem+json with type/title/status/detail/instance', async () => {
  const r = await srv.json('/no/such/path');
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), PROBLEM);
  for (const k of ['type', 'title', 'status', 'detail', 'instance'])
    assert.ok(k in r.body, `problem has ${k}`);
  assert.equal(typeof r.body.type, 'string');
  assert.equal(typeof r.body.title, 'string');
  assert.equal(r.body.status, 404);
  assert.equal(r.body.instance, '/no/such/path');
  assert.ok(r.body.detail.length > 0);
});

test('problems are in Vietnamese by default and in English with Accept-Language: en', async () => {
  const vi = await srv.json('/no/such/path');
  const en = await srv.json('/no/such/path', { headers: { 'Accept-Language': 'en' } });
  assert.equal(en.status, 404);
  assert.match(en.headers.get('content-type'), PROBLEM);
  assert.match(vi.body.detail, VIETNAMESE, `Vietnamese detail: ${vi.body.detail}`);
  assert.match(vi.body.title, VIETNAMESE, `Vietnamese title: ${vi.body.title}`);
  assert.notEqual(en.body.detail, vi.body.detail);
  assert.notEqual(en.body.title, vi.body.title);
  assert.doesNotMatch(en.body.detail, VIETNAMESE, `English detail: ${en.body.detail}`);
  assert.match(en.body.detail, /^[\x20-\x7e]+$/, 'English detail is plain ASCII');
  assert.match(en.body.detail, /\b(no|not|found|resource)\b/i);
  assert.match(en.body.title, /not found/i);
  // the machine-readable parts do not change with the language
  assert.equal(en.body.type, vi.body.type);
  assert.equal(en.body.status, vi.body.status);
  assert.equal(en.body.instance, vi.body.instance);
});

test('Accept-Language en-US,en;q=0.9 also gives English', async () => {
  const r = await srv.json('/no/such/path', { headers: { 'Accept-Language': 'en-US,en;q=0.9' } });
  assert.equal(r.status, 404);
  assert.doesNotMatch(r.body.detail, VIETNAMESE);
});

// ------------------------------------------------------------------ methods

function allowList(v) {
  return (v || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
}

for (const method of ['DELETE', 'PUT', 'POST']) {
  test(`${method} /api/v1/units/24 is 405 with an Allow header listing GET`, async () => {
    const r = await srv.json('/api/v1/units/24', {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: method === 'DELETE' ? undefined : '{}',
    });
    assert.equal(r.status, 405);
    assert.match(r.headers.get('content-type'), PROBLEM);
    assert.equal(r.body.status, 405);
    const allow = allowList(r.headers.get('allow'));
    assert.ok(allow.includes('GET'), `Allow: ${r.headers.get('allow')}`);
    assert.ok(!allow.includes(method), `Allow must not list ${method}`);
    assertSecurityHeaders(r.headers, `405 ${method}`);
  });
}

test('an unknown method (FOO) is 405 with an Allow header listing GET', async () => {
  const r = await raw({ method: 'FOO', path: '/api/v1/units/24' });
  assert.equal(r.status, 405, r.error ? String(r.error) : r.body.toString());
  const allow = allowList(r.headers.allow);
  assert.ok(allow.includes('GET'), `Allow: ${r.headers.allow}`);
  assert.match(r.headers['content-type'], PROBLEM);
  assert.equal(JSON.parse(r.body.toString()).status, 405);
});

test('GET on a collection is fine; DELETE on it is 405 listing GET', async () => {
  const r = await srv.json('/api/v1/units', { method: 'DELETE' });
  assert.equal(r.status, 405);
  assert.ok(allowList(r.headers.get('allow')).includes('GET'));
});

// ------------------------------------------------------------------ headers on every response

test('every response carries X-Request-Id and the security headers', async () => {
  const cases = [
    ['200 JSON', () => srv.fetch('/api/v1/units/24'), 200],
    ['200 list', () => srv.fetch('/api/v1/units?level=1'), 200],
    ['404', () => srv.fetch('/no/such/path'), 404],
    ['404 unit', () => srv.fetch('/api/v1/units/99'), 404],
    ['400', () => srv.fetch('/api/v1/units?level=9'), 400],
    ['405', () => srv.fetch('/api/v1/units/24', { method: 'DELETE' }), 405],
    ['static /', () => srv.fetch('/'), 200],
    ['healthz', () => srv.fetch('/healthz'), 200],
    ['metrics', () => srv.fetch('/metrics'), 200],
    ['401', () => srv.fetch('/api/v1/units/24', { method: 'PATCH', body: '{}',
      headers: { 'Content-Type': 'application/json' } }), 401],
  ];
  for (const [what, fn, status] of cases) {
    const r = await fn();
    await r.arrayBuffer();
    assert.equal(r.status, status, what);
    assertSecurityHeaders(r.headers, what);
  }
});

test('a 304 Not Modified also carries the security headers', async () => {
  const first = await srv.fetch('/');
  await first.arrayBuffer();
  const r = await srv.fetch('/', { headers: { 'If-None-Match': first.headers.get('etag') } });
  assert.equal(r.status, 304);
  assertSecurityHeaders(r.headers, '304');
  // a browser stores the 304's headers over the cached page's: a stricter
  // policy here would block the page's own scripts after a reload
  assert.equal(r.headers.get('content-security-policy'), first.headers.get('content-security-policy'));
});

test('pages get the front end\'s policy; API answers one that lets nothing load', async () => {
  const page = await srv.fetch('/');
  await page.arrayBuffer();
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  for (const path of ['/api/v1/units/24', '/api/v1/units/99', '/healthz', '/metrics']) {
    const r = await srv.fetch(path);
    await r.arrayBuffer();
    assert.equal(r.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", path);
  }
});

test('each request gets its own request id', async () => {
  const ids = new Set();
  for (let i = 0; i < 5; i++) {
    const r = await srv.fetch('/healthz');
    await r.arrayBuffer();
    ids.add(r.headers.get('x-request-id'));
  }
  assert.equal(ids.size, 5);
});

test('a sane incoming X-Request-Id is echoed back (header and problem body)', async () => {
  for (const id of ['abc-123_x.y', 'trace.0001', 'A'.repeat(64)]) {
    const r = await srv.fetch('/healthz', { headers: { 'X-Request-Id': id } });
    await r.arrayBuffer();
    assert.equal(r.headers.get('x-request-id'), id);
  }
  const p = await srv.json('/no/such/path', { headers: { 'X-Request-Id': 'my-trace-42' } });
  assert.equal(p.headers.get('x-request-id'), 'my-trace-42');
  assert.equal(p.body.request_id, 'my-trace-42');
});

test('an insane incoming X-Request-Id is replaced by a generated one', async () => {
  const insane = ['x'.repeat(65), 'a'.repeat(500), 'has space', 'quote"d', "it's", '<script>',
    '<script>alert(1)</script>', 'a;b', 'ünïcode'];
  for (const id of insane) {
    const r = await raw({ path: '/healthz', headers: { 'X-Request-Id': id } });
    assert.equal(r.status, 200, `id ${id}`);
    const got = r.headers['x-request-id'];
    assert.ok(got, 'X-Request-Id present');
    assert.notEqual(got, id, `must not echo ${JSON.stringify(id)}`);
    assert.match(got, SANE_ID);
  }
});

// ------------------------------------------------------------------ health, readiness, metrics

test('GET /healthz is 200', async () => {
  const r = await srv.json('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
});

test('GET /readyz is 200 with status ready', async () => {
  const r = await srv.json('/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ready');
});

async function metricsText() {
  const r = await srv.fetch('/metrics');
  assert.equal(r.status, 200);
  return { text: await r.text(), ctype: r.headers.get('content-type') };
}

function counter(text, route, status) {
  const esc = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = text.match(new RegExp(
    `^tinhso_http_requests_total\\{route="${esc}",status="${status}"\\} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

test('GET /metrics is Prometheus text with the expected series', async () => {
  await (await srv.fetch('/api/v1/units/24')).arrayBuffer();
  const { text, ctype } = await metricsText();
  assert.match(ctype, /^text\/plain/);
  assert.match(text, /^# TYPE tinhso_http_requests_total counter$/m);
  assert.match(text, /^tinhso_http_requests_total\{.*\} \d+$/m);
  assert.match(text, /^tinhso_http_request_duration_seconds_bucket\{.*le="[^"]+"\} \d+$/m);
  assert.match(text, /^tinhso_uptime_seconds [0-9.e+-]+$/m);
  assert.match(text, /^tinhso_build_info\{[^}]*\} 1$/m);
  assert.match(text, /^tinhso_db_connections(\{[^}]*\})? \d+$/m);
  // every non-comment line is "name{labels} value" or "name value"
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? ([-+0-9.eE]+|[+-]Inf|NaN)$/, line);
  }
});

test('the request counter for GET /api/v1/units/{code} increases after a request', async () => {
  const route = 'GET /api/v1/units/{code}';
  const before = counter((await metricsText()).text, route, 200);
  await (await srv.fetch('/api/v1/units/24')).arrayBuffer();
  let after = before;
  // the counter is updated when the response has completed: allow a moment
  for (let i = 0; i < 50 && after < before + 1; i++) {
    after = counter((await metricsText()).text, route, 200);
    if (after < before + 1) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(after, before + 1);
});

// ------------------------------------------------------------------ static front page

test('GET / returns the HTML page with an ETag', async () => {
  const r = await srv.fetch('/');
  const body = await r.text();
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.ok(r.headers.get('etag'), 'ETag present');
  assert.match(body, /<html/i);
});

test('GET / with If-None-Match of the current ETag is 304 with no body', async () => {
  const first = await srv.fetch('/');
  await first.arrayBuffer();
  const etag = first.headers.get('etag');
  const r = await raw({ path: '/', headers: { 'If-None-Match': etag } });
  assert.equal(r.status, 304);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers.etag, etag);
  const stale = await raw({ path: '/', headers: { 'If-None-Match': '"not-the-etag"' } });
  assert.equal(stale.status, 200);
  assert.ok(stale.body.length > 0);
});

test('GET / with Accept-Encoding: gzip is gzip that decompresses to the same HTML', async () => {
  const plain = await raw({ path: '/' });
  assert.equal(plain.status, 200);
  assert.ok(!plain.headers['content-encoding'], 'no encoding without Accept-Encoding');
  const gz = await raw({ path: '/', headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(gz.headers['content-type'], /^text\/html/);
  assert.match(gz.headers.vary || '', /accept-encoding/i);
  const html = zlib.gunzipSync(gz.body);
  assert.ok(html.equals(plain.body), 'gunzipped body equals the plain body');
});

// ------------------------------------------------------------------ path traversal

const traversal = [
  '/../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/assets/../../etc/passwd',
  '/assets/..%2f..%2fetc/passwd',
  '//etc/passwd',
  '/..\\..\\etc\\passwd',
  '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
  '/index.html%00.png',
];

for (const path of traversal) {
  test(`path traversal ${path} is 404/400 and never leaks /etc/passwd`, async () => {
    const r = await raw({ path });
    assert.notEqual(r.status, 0, `request failed: ${r.error}`);
    const text = r.body.toString('latin1');
    assert.ok(!text.includes('root:'), 'no /etc/passwd contents');
    assert.ok([400, 404].includes(r.status), `status ${r.status} for ${path}`);
  });
}

// ------------------------------------------------------------------ OpenAPI, HEAD

test('GET /api/v1/openapi.json is an OpenAPI 3.1 JSON document', async () => {
  const r = await srv.json('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(typeof r.body, 'object');
  assert.match(r.body.openapi, /^3\.1\.\d+$/);
});

test('HEAD /api/v1/units/24 is 200 with no body', async () => {
  const r = await srv.fetch('/api/v1/units/24', { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assertSecurityHeaders(r.headers, 'HEAD');
  // on the wire: nothing after the header block
  const bytes = await rawSocket('HEAD /api/v1/units/24 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const text = bytes.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'complete header block');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.equal(text.slice(end + 4), '', 'no body after the headers');
});

test('the server is still healthy after all of the above', async () => {
  const r = await srv.json('/healthz');
  assert.equal(r.status, 200);
  assert.equal(srv.proc.exitCode, null);
});
