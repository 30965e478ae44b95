// Test harness: starts a real `tinhso serve` process on a free port with a
// fresh database (SQLite file, or a new PostgreSQL database when
// TINHSO_TEST_PG is set), waits until /readyz answers, and stops it.
//
// Environment:
//   TINHSO_BIN      path to the tinhso binary (default: build/tinhso)
//   TINHSO_TEST_PG  postgresql://USER@HOST:PORT/DB of a throw-away server;
//                   each startServer() creates its own database there.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const BIN = resolve(process.env.TINHSO_BIN || 'build/tinhso');
// 32 random bytes as hex, the shortest bootstrap token the server accepts.
export const ADMIN_TOKEN = '9f3c2a7e5b18d4c06e2f9a1b7c3d5e8f0a4b6c2d9e1f3a5b7c8d0e2f4a6b8c1d';
export const backend = process.env.TINHSO_TEST_PG ? 'postgresql' : 'sqlite';

let dbCounter = 0;

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

// A fresh, empty database URL (and a cleanup function).
export function freshDb() {
  if (process.env.TINHSO_TEST_PG) {
    const base = new URL(process.env.TINHSO_TEST_PG);
    const name = `t_${process.pid}_${Date.now()}_${dbCounter++}`;
    const admin = new URL(base);
    admin.pathname = '/postgres';
    execFileSync('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=1', admin.toString(), '-c',
      `CREATE DATABASE ${name}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const url = new URL(base);
    url.pathname = '/' + name;
    return {
      url: url.toString(),
      psql: (sql) => execFileSync('psql', ['-q', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
        url.toString(), '-c', sql], { encoding: 'utf8' }),
      cleanup: () => {
        try {
          execFileSync('psql', ['-q', '-X', admin.toString(), '-c',
            `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' });
        } catch { /* best effort */ }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tinhso-test-'));
  const path = join(dir, 'test.db');
  return {
    url: 'sqlite:' + path,
    path,
    dir,
    sqlite: (sql) => execFileSync('sqlite3', [path, sql], { encoding: 'utf8' }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Run the CLI synchronously; returns {status, stdout, stderr}.
export function cli(args, opts = {}) {
  try {
    const stdout = execFileSync(BIN, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}

// The suites' servers do not require a second factor of the demo
// administrators (`mfa_required_roles: []`, merged into a --config the test
// gives) unless opts.mfaRequired: then the product's default holds (the
// tests of that rule, tests/api/mfa.test.mjs).
let confCounter = 0;
function testArgs(args, opts) {
  if (opts.mfaRequired) return args;
  const i = args.indexOf('--config');
  const conf = i >= 0 ? JSON.parse(readFileSync(args[i + 1], 'utf8')) : {};
  if ('mfa_required_roles' in conf) return args;
  conf.mfa_required_roles = [];
  const dir = mkdtempSync(join(tmpdir(), 'tinhso-conf-'));
  const path = join(dir, `config-${confCounter++}.json`);
  writeFileSync(path, JSON.stringify(conf));
  return i >= 0 ? args.map((a, k) => (k === i + 1 ? path : a)) : [...args, '--config', path];
}

// Start a server. opts: { db (from freshDb), demo: true to load units first,
// args: extra CLI args, env: extra environment }. Most suites drive the API
// with the bootstrap token after `tinhso demo` made a system admin, so it is
// kept (TINHSO_ADMIN_TOKEN_AFTER_SETUP=1); env: { TINHSO_ADMIN_TOKEN_AFTER_SETUP: '' }
// tests the default, where it retires.
// mfaRequired: keep the default
// mfa_required_roles }.
export async function startServer(opts = {}) {
  const db = opts.db || freshDb();
  if (opts.demo !== false) {
    const r = cli(['demo', '--db', db.url]);
    if (r.status !== 0) throw new Error('tinhso demo failed: ' + r.stderr);
  }
  const port = await freePort();
  const args = ['serve', '--db', db.url, '--listen', `127.0.0.1:${port}`, ...testArgs(opts.args || [], opts)];
  const proc = spawn(BIN, args, {
    env: { ...process.env, TINHSO_ADMIN_TOKEN: ADMIN_TOKEN, TINHSO_ADMIN_TOKEN_AFTER_SETUP: '1', ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error('server exited early:\n' + log);
    try {
      const r = await fetch(base + '/readyz');
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('server did not become ready:\n' + log); }
    await new Promise((r) => setTimeout(r, 25));
  }
  const server = {
    base, port, proc, db, exited,
    get log() { return log; },
    // fetch relative to the server; returns the Response
    fetch: (path, init) => fetch(base + path, init),
    // JSON helper: returns {status, headers, body}
    async json(path, init = {}) {
      const r = await fetch(base + path, init);
      const text = await r.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = text; }
      return { status: r.status, headers: r.headers, body };
    },
    admin(path, method, body, headers = {}) {
      return server.json(path, {
        method,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async close() {
      await server.stop();
      if (!opts.keepDb) db.cleanup();
    },
  };
  return server;
}

// A copy of a (stopped) database made by freshDb, on the same backend: each
// tampering test works on its own copy. PostgreSQL: CREATE DATABASE ... TEMPLATE.
let clones = 0;
export function cloneDb(src) {
  if (process.env.TINHSO_TEST_PG) {
    const admin = new URL(process.env.TINHSO_TEST_PG);
    admin.pathname = '/postgres';
    const psqlAdmin = (q) => execFileSync('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=1', admin.toString(), '-c', q],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    const tmpl = new URL(src.url).pathname.slice(1);
    const name = `${tmpl}_c${clones++}`;
    psqlAdmin(`CREATE DATABASE ${name} TEMPLATE ${tmpl}`);
    const url = new URL(src.url);
    url.pathname = '/' + name;
    return {
      url: url.toString(),
      psql: (q) => execFileSync('psql', ['-q', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url.toString(), '-c', q],
        { encoding: 'utf8' }),
      cleanup: () => {
        try { psqlAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* best effort */ }
      },
    };
  }
  const db = freshDb();
  execFileSync('sqlite3', [src.path, `VACUUM INTO '${db.path}'`]);
  return db;
}
