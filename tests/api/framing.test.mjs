// Request framing and smuggling over raw sockets: a repeated or conflicting
// Content-Length, Content-Length together with Transfer-Encoding, transfer
// codings other than one "chunked", and malformed chunk sizes are refused
// with 400, the connection is closed (so no second request can hide in the
// body), and nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ADMIN_TOKEN } from './lib/server.mjs';
import { auditCount, serverForFile } from './lib/helpers.mjs';

const fx = serverForFile();

// Send bytes on a fresh connection; resolve with what came back and whether
// the server closed the connection (within ms).
function exchange(bytes, ms = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(fx.srv.port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ data, closed });
    };
    const t = setTimeout(() => finish(false), ms);
    s.on('data', (d) => { data += d; });
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.write(bytes);
  });
}

const BODY = '{"name_en":"Smuggled"}';
const SMUGGLED = 'GET /api/v1/units/24 HTTP/1.1\r\nHost: x\r\n\r\n';
const head = (extra) => 'PATCH /api/v1/units/24 HTTP/1.1\r\nHost: x\r\n' +
  `Authorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\n${extra}\r\n`;
const chunk = (s) => s.length.toString(16) + '\r\n' + s + '\r\n';

// [what, request bytes, answered as a problem by tinhso (false: libmicrohttpd refuses it itself)]
const cases = [
  ['two equal Content-Length headers', head(`Content-Length: ${BODY.length}\r\nContent-Length: ${BODY.length}\r\n`) + BODY, true],
  ['two different Content-Length headers', head(`Content-Length: ${BODY.length}\r\nContent-Length: 5\r\n`) + BODY, true],
  ['Content-Length with Transfer-Encoding: chunked', head(`Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`) + chunk(BODY) + '0\r\n\r\n', true],
  ['Transfer-Encoding: gzip, chunked', head('Transfer-Encoding: gzip, chunked\r\n') + chunk(BODY) + '0\r\n\r\n', true],
  ['Transfer-Encoding given twice', head('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n') + chunk(BODY) + '0\r\n\r\n', true],
  ['a Content-Length list', head(`Content-Length: ${BODY.length}, ${BODY.length}\r\n`) + BODY, false],
  ['a signed Content-Length', head(`Content-Length: +${BODY.length}\r\n`) + BODY, false],
  ['a chunk size that is not hexadecimal', head('Transfer-Encoding: chunked\r\n') + 'zz\r\n' + BODY + '\r\n0\r\n\r\n', false],
  ['a negative chunk size', head('Transfer-Encoding: chunked\r\n') + '-16\r\n' + BODY + '\r\n0\r\n\r\n', false],
  ['a chunk shorter than its size line says', head('Transfer-Encoding: chunked\r\n') + '5\r\n' + BODY + '\r\n0\r\n\r\n', false],
];

for (const [what, bytes, ours] of cases) {
  test(`${what}: 400, connection closed, nothing written`, async () => {
    const r = await exchange(bytes + SMUGGLED);
    assert.match(r.data, /^HTTP\/1\.1 400 /, r.data.slice(0, 200));
    assert.ok(r.closed, 'the server closed the connection');
    // no request hidden after the body was answered (each case ends with a GET)
    assert.doesNotMatch(r.data, /HTTP\/1\.1 200 /, r.data);
    if (ours) {
      assert.match(r.data, /\r\nContent-Type: application\/problem\+json/i);
      assert.match(r.data, /\r\nConnection: close\r\n/i);
      assert.match(r.data, /Content-Length|Transfer-Encoding/);
    }
    const u = await fx.srv.json('/api/v1/units/24');
    assert.equal(u.body.name_en, 'Bac Ninh', 'the PATCH was not applied');
  });
}

test('English framing errors come from the catalogue too', async () => {
  const r = await exchange(head(`Accept-Language: en\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n`) +
    chunk(BODY) + '0\r\n\r\n');
  assert.match(r.data, /"detail":"A request must not carry both Content-Length and Transfer-Encoding\."/);
});

test('a well-formed chunked PATCH still works (and is the only write)', async () => {
  const body = '{"name_en":"Bac Ninh (chunked)"}';
  const r = await exchange(head('Transfer-Encoding: chunked\r\nConnection: close\r\n') + chunk(body) + '0\r\n\r\n');
  assert.match(r.data, /^HTTP\/1\.1 200 /, r.data.slice(0, 300));
  const u = await fx.srv.json('/api/v1/units/24');
  assert.equal(u.body.name_en, 'Bac Ninh (chunked)');
  assert.equal(auditCount(fx.srv.db.url), fx.audit0 + 1, 'one audit entry: only the good request wrote');
});
