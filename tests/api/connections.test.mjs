// Connections a user never sees until they go wrong: slow clients that send
// half a request header (closed after header_timeout_seconds, and limited per
// address) must not keep anyone else waiting; over the connection cap the
// connections in service keep working and the excess gets a fast 503 (health
// probes are still answered); trusted proxies are exempt from the
// per-address limit. Linux routes all of 127/8 to lo, so 127.0.0.2 and
// friends act as other clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cli } from './lib/server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tinhso-conns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let nconf = 0;
function config(obj) {
  const p = join(dir, `c${nconf++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A raw connection from localAddress; records what arrives and when it closes.
function open(port, localAddress = '127.0.0.1') {
  return new Promise((resolve) => {
    const c = { data: Buffer.alloc(0), closedAt: 0, openedAt: Date.now(), connected: false };
    c.sock = net.connect({ port, host: '127.0.0.1', localAddress });
    c.sock.on('connect', () => { c.connected = true; resolve(c); });
    c.sock.on('data', (d) => { c.data = Buffer.concat([c.data, d]); });
    c.sock.on('close', () => { c.closedAt = Date.now(); resolve(c); });
    c.sock.on('error', () => {});
  });
}

// Wait until c has a full answer (headers and Content-Length bytes) or closes.
async function answer(c, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const i = c.data.indexOf('\r\n\r\n');
    if (i >= 0) {
      const m = /\r\ncontent-length: (\d+)/i.exec(c.data.subarray(0, i).toString());
      if (!m || c.data.length - i - 4 >= Number(m[1])) {
        const text = c.data.toString();
        c.data = Buffer.alloc(0);
        return text;
      }
    }
    if (c.closedAt || Date.now() > end) return c.data.toString();
    await sleep(5);
  }
}

const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

// One /healthz on a new connection from 127.0.0.1: status and milliseconds.
async function probe(port) {
  const t0 = Date.now();
  const c = await open(port);
  c.sock.write(get('/healthz', 'Connection: close\r\n'));
  const a = await answer(c, 3000);
  c.sock.destroy();
  return { ok: /^HTTP\/1\.1 200 /.test(a), ms: Date.now() - t0 };
}

test('1,500 half-sent headers from one address: others are answered within 1 s, the slow ones are closed', async () => {
  const srv = await startServer({ args: ['--config', config({ header_timeout_seconds: 2 })] });
  try {
    assert.match(srv.log, /file limit: \d+/);
    assert.match(srv.log, /connections: cap \d+ \(file limit \d+\)/);
    const slow = [];
    const t0 = Date.now();
    const probes = [];
    let stop = false;
    const prober = (async () => {
      while (!stop) {
        probes.push(await probe(srv.port));
        await sleep(100);
      }
    })();
    for (let i = 0; i < 1500; i++) {
      const c = await open(srv.port, '127.0.0.2');
      if (c.connected && !c.closedAt) c.sock.write('GET /api/v1/units/24 HTTP/1.1\r\nHost: t\r\nX-Half: ');
      slow.push(c);
    }
    // everything from 127.0.0.2 is closed once the header timeout has passed
    while (slow.some((c) => !c.closedAt) && Date.now() - t0 < 15000) await sleep(50);
    stop = true;
    await prober;
    const open_ = slow.filter((c) => !c.closedAt).length;
    assert.equal(open_, 0, `${open_} half-sent connections still open after 15 s`);
    // at most 128 (the per-address limit) were let in and lived until the timeout
    const lived = slow.filter((c) => c.closedAt - c.openedAt >= 1500);
    assert.ok(lived.length > 0 && lived.length <= 128, `${lived.length} waited for the header timeout`);
    assert.ok(lived.every((c) => c.closedAt - c.openedAt < 6000), 'closed within a few seconds of the 2 s timeout');
    assert.ok(slow.every((c) => !/HTTP\/1\.1 200/.test(c.data.toString())), 'no half-sent request was answered as if complete');
    // the other client was answered all along, each time within 1 s
    assert.ok(probes.length >= 10, `${probes.length} probes`);
    for (const p of probes) {
      assert.ok(p.ok, 'probe answered 200');
      assert.ok(p.ms < 1000, `probe took ${p.ms} ms`);
    }
    const m = await (await srv.fetch('/metrics')).text();
    const refused = Number(/tinhso_http_connections_refused_total\{reason="per_address"\} (\d+)/.exec(m)[1]);
    assert.ok(refused >= 1500 - 128, `refused per address: ${refused}`);
    assert.ok(Number(/tinhso_http_header_timeouts_total (\d+)/.exec(m)[1]) >= lived.length);
  } finally {
    await srv.close();
  }
});

test('over the connection cap: served connections keep working, the excess gets a fast 503, health probes an answer', async () => {
  const srv = await startServer({ args: ['--config', config({ max_connections: 8 })] });
  const conns = [];
  try {
    // ten connections for a cap of eight (the harness's readiness check may
    // hold one more): the first ones are served, the rest get a 503
    for (let i = 0; i < 10; i++) {
      const c = await open(srv.port);
      c.sock.write(get('/api/v1/units/24'));
      conns.push(c);
      await sleep(20);
    }
    const first = await Promise.all(conns.map((c) => answer(c)));
    const served = conns.filter((c, i) => /^HTTP\/1\.1 200 /.test(first[i]));
    assert.ok(served.length >= 7 && served.length <= 8, `${served.length} of 10 served`);
    assert.equal(first.filter((a) => /^HTTP\/1\.1 503 /.test(a)).length, 10 - served.length);

    // the next connections are over the cap
    const t0 = Date.now();
    const extra = await open(srv.port);
    extra.sock.write(get('/api/v1/units/24', 'Accept-Language: en\r\n'));
    const busy = await answer(extra);
    assert.ok(Date.now() - t0 < 1000, `the 503 is fast: ${Date.now() - t0} ms`);
    assert.match(busy, /^HTTP\/1\.1 503 /);
    assert.match(busy, /\r\nRetry-After: 1\r\n/i);
    assert.match(busy, /\r\nConnection: close\r\n/i);
    assert.match(busy, /application\/problem\+json/);
    assert.match(busy, /connection limit/);
    await sleep(200);
    assert.ok(extra.closedAt, 'the connection over the cap is closed');

    const hz = await open(srv.port);
    hz.sock.write(get('/healthz'));
    assert.match(await answer(hz), /^HTTP\/1\.1 200 [\s\S]*\r\nConnection: close\r\n/i);

    // the connections in service are still served, repeatedly
    for (let round = 0; round < 3; round++) {
      for (const c of served) c.sock.write(get('/api/v1/units/24'));
      const again = await Promise.all(served.map((c) => answer(c)));
      for (const a of again) assert.match(a, /^HTTP\/1\.1 200 /);
    }
    // when one leaves, a newcomer is served again
    for (const c of conns) c.sock.destroy();
    await sleep(300);
    const r = await srv.fetch('/api/v1/units/24');
    assert.equal(r.status, 200);
    const m = await (await srv.fetch('/metrics')).text();
    assert.match(m, /tinhso_http_connections_max 8\n/);
    assert.ok(Number(/reason="busy"\} (\d+)/.exec(m)[1]) >= 1);
  } finally {
    for (const c of conns) c.sock.destroy();
    await srv.close();
  }
});

test('the per-address limit spares trusted proxies', async () => {
  const srv = await startServer({
    args: ['--config', config({ max_connections_per_address: 3, trusted_proxies: ['127.0.0.3'] })],
  });
  const all = [];
  try {
    const from = async (addr) => {
      const cs = [];
      for (let i = 0; i < 6; i++) cs.push(await open(srv.port, addr));
      all.push(...cs);
      for (const c of cs) if (!c.closedAt) c.sock.write(get('/healthz'));
      return Promise.all(cs.map((c) => answer(c, 2000)));
    };
    const client = await from('127.0.0.4');
    assert.equal(client.filter((a) => /^HTTP\/1\.1 200 /.test(a)).length, 3, 'three from one client address');
    const proxy = await from('127.0.0.3');
    assert.equal(proxy.filter((a) => /^HTTP\/1\.1 200 /.test(a)).length, 6, 'all six from the proxy');
  } finally {
    for (const c of all) c.sock.destroy();
    await srv.close();
  }
});

test('connection settings out of range are refused at start, naming the key', () => {
  for (const [bad, key] of [[{ max_connections_per_address: 0 }, 'max_connections_per_address'],
    [{ header_timeout_seconds: 0 }, 'header_timeout_seconds'], [{ max_connections: -1 }, 'max_connections'],
    [{ header_timeout_seconds: '10' }, 'header_timeout_seconds']]) {
    const d = freshDb();
    const r = cli(['serve', '--db', d.url, '--listen', '127.0.0.1:0', '--config', config(bad)]);
    d.cleanup();
    assert.equal(r.status, 1, JSON.stringify(bad));
    assert.match(r.stderr, new RegExp(`"${key}"`), r.stderr);
  }
});

test('tinhso help config lists every key with its default', () => {
  const r = cli(['help', 'config']);
  assert.equal(r.status, 0);
  for (const k of ['max_connections', 'max_connections_per_address', 'header_timeout_seconds', 'timeout_seconds', 'trusted_proxies'])
    assert.match(r.stdout, new RegExp(`^  ${k} `, 'm'));
  const md = cli(['help', 'config', '--markdown']);
  assert.match(md.stdout, /^\| `header_timeout_seconds` \| integer \| 1–3600 \| 10 \|/m);
  const serve = cli(['help', 'serve']);
  assert.match(serve.stdout, /usage: tinhso serve/);
  assert.match(serve.stdout, /header_timeout_seconds/);
});

test('256 busy keep-alive connections on one worker never freeze it (libmicrohttpd epoll drain)', async () => {
  // one worker thread: exactly 2 x 128 ready connections used to block it
  // until the next connection timeout (docs/decisions.md §23). Without the
  // watchdog this gets 2-3 rounds in 3 s; with it about 40 under ASan.
  const srv = await startServer({ args: ['--threads', '1', '--config', config({ trusted_proxies: ['127.0.0.1'] })] });
  const conns = [];
  try {
    // rounds in lock-step, as a saturated server sees a closed-loop load:
    // every connection has a request waiting, nothing else happens
    for (let i = 0; i < 256; i++) conns.push(await open(srv.port));
    const t0 = Date.now();
    let answers = 0;
    while (Date.now() - t0 < 3000) {
      for (const c of conns) c.sock.write(get('/healthz'));
      const got = await Promise.all(conns.map((c) => answer(c, 10000)));
      answers += got.filter((a) => /^HTTP\/1\.1 200 /.test(a)).length;
    }
    const rounds = answers / 256;
    assert.ok(rounds >= 10, `${answers} answers in ${Date.now() - t0} ms: ${rounds.toFixed(1)} per connection`);
  } finally {
    for (const c of conns) c.sock.destroy();
    await srv.close();
  }
});

test('the default cap follows the file limit, raised to the hard limit; max_connections wins', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./lib/server.mjs');
  const startLog = (extra) => new Promise((resolve) => {
    const d = freshDb();
    const p = spawn('bash', ['-c', `ulimit -Sn 1024 && ulimit -Hn 2048 && exec "$0" "$@"`, BIN, 'serve',
      '--db', d.url, '--listen', '127.0.0.1:0', '--threads', '2', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const done = () => { p.kill('SIGKILL'); d.cleanup(); resolve(log); };
    const t = setTimeout(done, 10000);
    p.stderr.on('data', (b) => {
      log += b;
      if (/listening on/.test(log)) { clearTimeout(t); done(); }
    });
    p.on('exit', () => { clearTimeout(t); d.cleanup(); resolve(log); });
  });
  const log = await startLog([]);
  assert.match(log, /file limit: raised from 1024 to 2048/, log);
  // 2048 - (64 + 8 per worker) = 1968 for connections, 1/64 of it answers 503
  assert.match(log, /connections: cap 1938 \(file limit 2048\), a 503 for connections over it up to 1968 open/, log);
  const explicit = await startLog(['--config', config({ max_connections: 100 })]);
  assert.match(explicit, /connections: cap 100 \(file limit 2048\)/, explicit);
});
