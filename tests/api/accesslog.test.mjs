// The JSON access log stays valid UTF-8 and valid JSON whatever the URL
// holds (issue 8 item 13): raw bytes that are not UTF-8, percent-encoded
// invalid sequences, overlong forms, surrogates and control bytes in the path
// and the query, sent on a raw socket; every access-log line the server
// writes must decode as strict UTF-8 and parse as JSON, and a valid
// Vietnamese path is logged unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

function send(port, requestLine) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.end(Buffer.concat([requestLine, Buffer.from('\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    });
    s.on('data', () => {});
    s.on('close', resolve);
    s.on('error', resolve);
  });
}

test('access log: every line is valid UTF-8 JSON whatever the path and query hold', async () => {
  const srv = await startServer({ demo: false });
  const raw = [];
  srv.proc.stderr.on('data', (d) => raw.push(Buffer.from(d)));
  try {
    const B = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
    const attacks = [
      B('GET /api/v1/units/%FF%FE%C3%28 HTTP/1.1'),              // percent-encoded invalid UTF-8
      B('GET /api/v1/units/', [0xff, 0xfe, 0xc3, 0x28], ' HTTP/1.1'), // the raw bytes
      B('GET /api/v1/units/%C0%AF%ED%A0%80%F4%90%80%80 HTTP/1.1'), // overlong, surrogate, > U+10FFFF
      B('GET /api/v1/units/%01%1B%7F%00x HTTP/1.1'),              // control bytes, escape, DEL, NUL
      B('GET /api/v1/units?q=%FF%0A%22%5C&parent=', [0xe2, 0x82], ' HTTP/1.1'), // truncated sequence in the query
      B('GET /api/v1/', [0xf0, 0x9f, 0x98], '/x%E1%BB HTTP/1.1'),
      B('GET /api/v1/units/H%C3%A0%20N%E1%BB%99i HTTP/1.1'),       // valid: "Hà Nội"
    ];
    for (const a of attacks) await send(srv.port, a);
    await srv.json('/readyz'); // one more line, and a flush point
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    await srv.stop();
    srv.db.cleanup();
  }
  const bytes = Buffer.concat(raw);
  const lines = bytes.toString('latin1').split('\n').map((l) => Buffer.from(l, 'latin1'))
    .filter((l) => l.length && l.toString('latin1').includes('"request_id"'));
  assert.ok(lines.length >= 6, `access-log lines were written:\n${bytes.toString('latin1')}`);
  const strict = new TextDecoder('utf-8', { fatal: true });
  const paths = [];
  for (const l of lines) {
    let text;
    assert.doesNotThrow(() => { text = strict.decode(l); }, `not valid UTF-8: ${l.toString('hex')}`);
    let obj;
    assert.doesNotThrow(() => { obj = JSON.parse(text); }, `not JSON: ${text}`);
    assert.equal(typeof obj.path, 'string');
    paths.push(obj.path);
  }
  assert.ok(paths.includes('/api/v1/units/Hà Nội'), `a valid path is logged unchanged: ${JSON.stringify(paths)}`);
  assert.ok(paths.some((p) => p.includes('\uFFFD')), `invalid bytes are replaced by U+FFFD: ${JSON.stringify(paths)}`);
});
