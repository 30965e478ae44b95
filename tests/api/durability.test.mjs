// Durability and concurrency: many writers in one process and in two
// processes on one database, kill -9 in the middle of a write burst, graceful
// shutdown on SIGTERM, and online backup while writes go on. After each, the
// audit chain must verify and hold exactly one entry per acknowledged write.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, freshDb, cli, backend, BIN, ADMIN_TOKEN } from './lib/server.mjs';

const isPg = backend === 'postgresql';
const QUIET = ['--no-access-log'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sql(db, q) {
  return isPg ? db.psql(q) : db.sqlite(q);
}

function auditCount(db) {
  return Number(sql(db, 'SELECT count(*) FROM audit_log').trim());
}

// Number of unit.update audit entries per unit code.
function updatesPerCode(db) {
  const out = sql(db, "SELECT object_id, count(*) FROM audit_log WHERE action = 'unit.update' GROUP BY object_id");
  const m = new Map();
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const [code, n] = line.split('|');
    m.set(code, Number(n));
  }
  return m;
}

// `to` values of field in the unit.update entries of one code, in chain order,
// with the `from` values alongside.
function fieldHistory(db, code, field) {
  const out = sql(db, `SELECT summary FROM audit_log WHERE action = 'unit.update' AND object_id = '${code}' ORDER BY seq`);
  return out.trim().split('\n').filter(Boolean).map((s) => JSON.parse(s)[field] ?? null);
}

function verifyIntact(dbUrl, expectEntries) {
  const r = cli(['audit', 'verify', '--db', dbUrl]);
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, `audit verify failed:\n${out}`);
  const m = /(\d+) entries verified/.exec(out);
  assert.ok(m, out);
  if (expectEntries !== undefined) assert.equal(Number(m[1]), expectEntries, out);
  return Number(m[1]);
}

async function communes(srv) {
  const r = await srv.json('/api/v1/units?parent=24&limit=1000');
  assert.equal(r.status, 200);
  assert.ok(r.body.items.length >= 16, 'Bắc Ninh has enough communes');
  return r.body.items.map((u) => u.code);
}

function patchOnce(srv, code, body) {
  return srv.json(`/api/v1/units/${code}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
}

// PATCH until it is not 503 (a 503 changes nothing; count it).
async function patchRetry(srv, code, body, stats) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await patchOnce(srv, code, body);
    if (r.status !== 503) return r;
    stats.retries503++;
    await sleep(5 + Math.random() * 20);
  }
  throw new Error(`PATCH ${code} still 503 after 50 attempts`);
}

// nClients clients each send perClient PATCHes; client k alternates between
// its own two codes and uses servers[k % servers.length]. Returns the stats
// and, per code, the names in the order they were acknowledged.
async function hammer(servers, codes, nClients, perClient, tag) {
  const stats = { ok: 0, retries503: 0, other: [] };
  const lastName = new Map();
  await Promise.all([...Array(nClients).keys()].map(async (k) => {
    const srv = servers[k % servers.length];
    const mine = [codes[2 * k], codes[2 * k + 1]];
    for (let i = 0; i < perClient; i++) {
      const code = mine[i % 2];
      const name = `Xã ${tag} ${k}-${String(i).padStart(3, '0')}`;
      const r = await patchRetry(srv, code, { name, name_en: `Commune ${tag} ${k}-${i}` }, stats);
      if (r.status === 200 && r.body?.name === name) {
        stats.ok++;
        lastName.set(code, name);
      } else {
        stats.other.push({ code, status: r.status, body: r.body });
      }
    }
  }));
  return { stats, lastName };
}

async function checkNames(srv, lastName) {
  for (const [code, name] of lastName) {
    const r = await srv.json(`/api/v1/units/${code}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.name, name, `unit ${code} keeps its last acknowledged name`);
  }
}

describe(`durability (${backend})`, () => {
  test('a. 8 concurrent clients × 40 PATCHes on one process: all succeed, chain intact, one entry each', async () => {
    const srv = await startServer({ args: QUIET });
    try {
      const codes = await communes(srv);
      const before = verifyIntact(srv.db.url);
      assert.equal(before, auditCount(srv.db));
      const { stats, lastName } = await hammer([srv], codes, 8, 40, 'a');
      assert.deepEqual(stats.other, [], 'every PATCH answered 200 with the new name');
      assert.equal(stats.ok, 320);
      console.log(`a: ${stats.ok} PATCHes acknowledged, ${stats.retries503} × 503 retried`);
      verifyIntact(srv.db.url, before + stats.ok);
      assert.equal(auditCount(srv.db), before + stats.ok);
      await checkNames(srv, lastName);
      // each code's entries record its names in the order they were acknowledged
      for (const code of lastName.keys()) {
        const hist = fieldHistory(srv.db, code, 'name');
        assert.equal(hist.length, 20, `20 audit entries for ${code}`);
        for (let j = 1; j < hist.length; j++) {
          assert.equal(hist[j].from, hist[j - 1].to, `${code}: entry ${j} starts where ${j - 1} ended`);
          assert.ok(hist[j].to > hist[j - 1].to, `${code}: names in order`);
        }
      }
    } finally {
      await srv.close();
    }
  });

  test(`b. two server processes on one ${isPg ? 'PostgreSQL database' : 'SQLite file'}: chain intact, counts match`, async () => {
    const s1 = await startServer({ args: QUIET });
    let s2;
    try {
      s2 = await startServer({ db: s1.db, demo: false, keepDb: true, args: QUIET });
      const codes = await communes(s1);
      const before = verifyIntact(s1.db.url);
      const { stats, lastName } = await hammer([s1, s2], codes, 8, 40, 'b');
      assert.deepEqual(stats.other, []);
      assert.equal(stats.ok, 320);
      console.log(`b: ${stats.ok} PATCHes acknowledged, ${stats.retries503} × 503 retried`);
      verifyIntact(s1.db.url, before + stats.ok);
      assert.equal(auditCount(s1.db), before + stats.ok);
      await checkNames(s1, lastName);
      await checkNames(s2, lastName);
      const seqs = sql(s1.db, 'SELECT min(seq), max(seq), count(DISTINCT seq) FROM audit_log').trim();
      assert.equal(seqs, `1|${before + 320}|${before + 320}`, 'dense sequence numbers');
    } finally {
      if (s2) await s2.stop();
      await s1.close();
    }
  });

  test('b2. two clients PATCH different fields of the same unit at once (two processes): no lost update, audit from/to consistent', async () => {
    const s1 = await startServer({ args: QUIET });
    let s2;
    try {
      s2 = await startServer({ db: s1.db, demo: false, keepDb: true, args: QUIET });
      const code = (await communes(s1))[0];
      const N = 60;
      const stats = { retries503: 0 };
      const run = (srv, field, tag) => (async () => {
        for (let i = 0; i < N; i++) {
          const r = await patchRetry(srv, code, { [field]: `${tag}${String(i).padStart(3, '0')}` }, stats);
          assert.equal(r.status, 200, JSON.stringify(r.body));
        }
      })();
      await Promise.all([run(s1, 'name', 'A'), run(s2, 'name_en', 'B'), run(s1, 'full_name', 'C')]);
      const u = await s1.json(`/api/v1/units/${code}`);
      assert.deepEqual([u.body.name, u.body.name_en, u.body.full_name],
        ['A', 'B', 'C'].map((t) => `${t}${String(N - 1).padStart(3, '0')}`), 'each field keeps its last acknowledged value');
      verifyIntact(s1.db.url);
      // Replaying the chain's from/to for each field must reproduce the row.
      for (const field of ['name', 'name_en', 'full_name']) {
        const hist = fieldHistory(s1.db, code, field).filter(Boolean);
        for (let j = 1; j < hist.length; j++) {
          assert.equal(hist[j].from, hist[j - 1].to,
            `${field}: audit entry ${j} says it changed from ${hist[j].from} but the previous change set ${hist[j - 1].to}`);
        }
      }
    } finally {
      if (s2) await s2.stop();
      await s1.close();
    }
  });

  test('c. kill -9 during a write burst, three times: every acknowledged write survives, chain intact', async () => {
    const db = freshDb();
    const CLIENTS = 8;
    const committed = new Map(); // code -> unit.update entries expected so far
    try {
      let codes;
      for (let cycle = 1; cycle <= 3; cycle++) {
        const srv = await startServer({ db, demo: cycle === 1, keepDb: true, args: QUIET });
        if (!codes) codes = (await communes(srv)).slice(0, CLIENTS);
        const acked = new Array(CLIENTS).fill(-1);
        const sent = new Array(CLIENTS).fill(-1);
        let total = 0;
        let dead = false;
        const nameOf = (k, i) => `K${cycle}-${k}-${String(i).padStart(5, '0')}`;
        const clients = codes.map(async (code, k) => {
          for (let i = 0; !dead; i++) {
            sent[k] = i;
            try {
              const r = await patchOnce(srv, code, { name: nameOf(k, i) });
              if (r.status === 200 && r.body?.name === nameOf(k, i)) {
                acked[k] = i;
                total++;
              } else if (r.status !== 503) {
                throw new Error(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
              }
            } catch (e) {
              if (!dead && !/fetch failed|other side closed|ECONN|socket/i.test(String(e) + String(e.cause))) throw e;
              return; // the server is gone
            }
          }
        });
        // let the burst get going, then kill -9 in the middle of it
        const t0 = Date.now();
        while (total < 100 * cycle && Date.now() - t0 < 10000) await sleep(5);
        srv.proc.kill('SIGKILL');
        dead = true;
        const ex = await srv.exited;
        assert.equal(ex.signal, 'SIGKILL');
        await Promise.all(clients);
        assert.ok(total >= 100, `burst acknowledged ${total} writes before the kill`);

        const again = await startServer({ db, demo: false, keepDb: true, args: QUIET });
        try {
          for (let k = 0; k < CLIENTS; k++) {
            const r = await again.json(`/api/v1/units/${codes[k]}`);
            assert.equal(r.status, 200);
            const okNames = [nameOf(k, acked[k])];
            if (sent[k] > acked[k]) okNames.push(nameOf(k, sent[k])); // in flight at the kill: may or may not have committed
            assert.ok(acked[k] >= 0, `client ${k} got acknowledgements`);
            assert.ok(okNames.includes(r.body.name),
              `cycle ${cycle}, ${codes[k]}: name ${r.body.name} must be the last acknowledged ${okNames[0]}` +
              (okNames[1] ? ` or the in-flight ${okNames[1]}` : ''));
            const n = Number(r.body.name.split('-').pop()) + 1; // writes of this cycle that committed
            committed.set(codes[k], (committed.get(codes[k]) || 0) + n);
          }
          const per = updatesPerCode(db);
          for (const code of codes) {
            assert.equal(per.get(code), committed.get(code), `one audit entry per committed write of ${code}`);
          }
          const totalCommitted = [...committed.values()].reduce((a, b) => a + b, 0);
          // demo: units import, their boundaries, agencies, sign-ins, the centre's hours, the
          // forms, the procedure catalogue
          verifyIntact(db.url, 7 + totalCommitted);
        } finally {
          await again.stop();
        }
      }
    } finally {
      db.cleanup();
    }
  });

  test('d. SIGTERM: accepted requests complete, process exits 0 within 10 s', async () => {
    const srv = await startServer({ args: QUIET, keepDb: true });
    try {
      const codes = await communes(srv);
      const port = srv.port;

      // Requests whose headers and half their body are already in: the server
      // has accepted them when SIGTERM arrives; they must be answered in full.
      const slow = codes.slice(0, 3).map((code, j) => {
        const body = Buffer.from(JSON.stringify({ name: `Tắt êm ${j}` }));
        const req = http.request({
          host: '127.0.0.1', port, method: 'PATCH', path: `/api/v1/units/${code}`, agent: false,
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length,
            Authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const result = new Promise((res) => {
          req.on('response', (resp) => {
            const chunks = [];
            resp.on('data', (c) => chunks.push(c));
            resp.on('end', () => res({ status: resp.statusCode, text: Buffer.concat(chunks).toString(), complete: resp.complete }));
            resp.on('error', (e) => res({ error: String(e) }));
            resp.on('aborted', () => res({ error: 'aborted' }));
          });
          req.on('error', (e) => res({ error: String(e) }));
        });
        req.write(body.subarray(0, 8));
        return { code, name: `Tắt êm ${j}`, finish: () => req.end(body.subarray(8)), result };
      });

      // A slowish stream of reads and writes from 4 clients.
      let stop = false;
      const outcomes = { complete: 0, refused: 0, truncated: [], otherErr: [] };
      const stream = [...Array(4).keys()].map(async (k) => {
        for (let i = 0; !stop; i++) {
          try {
            const r = k % 2
              ? await fetch(`${srv.base}/api/v1/units?parent=24&limit=1000`)
              : await fetch(`${srv.base}/api/v1/units/${codes[10 + k]}`, {
                method: 'PATCH',
                headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
                body: JSON.stringify({ name: `Luồng ${k}-${i}` }),
              });
            // response headers are in: the body must arrive whole
            try {
              const text = await r.text();
              JSON.parse(text);
              outcomes.complete++;
            } catch (e) {
              outcomes.truncated.push(`${r.status}: ${e}`);
            }
          } catch (e) {
            const why = `${e} ${e.cause ?? ''}`;
            if (/ECONNREFUSED/.test(why)) { outcomes.refused++; await sleep(20); } else outcomes.otherErr.push(why);
          }
          await sleep(15);
        }
      });

      await sleep(300);
      const t0 = Date.now();
      srv.proc.kill('SIGTERM');
      await sleep(500);
      for (const s of slow) s.finish();
      let tid;
      const timer = new Promise((res) => { tid = setTimeout(() => res('timeout'), 10500); });
      const ex = await Promise.race([srv.exited, timer]);
      clearTimeout(tid);
      const took = Date.now() - t0;
      stop = true;
      await Promise.all(stream);
      if (ex === 'timeout') srv.proc.kill('SIGKILL');
      assert.notEqual(ex, 'timeout', 'the server exits within 10 s of SIGTERM');
      assert.deepEqual(ex, { code: 0, signal: null }, 'exit code 0');
      assert.ok(took < 10000, `exited after ${took} ms`);

      for (const s of slow) {
        const r = await s.result;
        assert.ok(!r.error, `request accepted before SIGTERM was answered: ${r.error}`);
        assert.ok(r.complete, 'complete response');
        assert.equal(r.status, 200, r.text);
        assert.equal(JSON.parse(r.text).name, s.name);
      }
      assert.deepEqual(outcomes.truncated, [], 'no response cut short');
      assert.ok(outcomes.complete > 10, `stream got ${outcomes.complete} complete responses`);
      // A connection reset is tolerable only for a request the server never took.
      if (outcomes.otherErr.length) console.log('d: connection errors after SIGTERM:', outcomes.otherErr.slice(0, 3));

      for (const s of slow) {
        const name = sql(srv.db, `SELECT name FROM admin_units WHERE code = '${s.code}'`).trim();
        assert.equal(name, s.name, 'the accepted write was committed');
      }
      verifyIntact(srv.db.url);
    } finally {
      await srv.stop('SIGKILL');
      srv.db.cleanup();
    }
  });

  test('e. backup during a write burst: consistent copy with an intact chain and 3355 units', { skip: isPg && 'SQLite only' }, async () => {
    const srv = await startServer({ args: QUIET });
    try {
      const codes = await communes(srv);
      const before = auditCount(srv.db);
      let stop = false;
      let acked = 0;
      const burst = [...Array(4).keys()].map(async (k) => {
        for (let i = 0; !stop; i++) {
          const r = await patchOnce(srv, codes[k], { name: `Sao lưu ${k}-${i}` });
          if (r.status === 200) acked++;
          else assert.equal(r.status, 503, JSON.stringify(r.body));
        }
      });
      const tb = Date.now();
      while (acked < 50 && Date.now() - tb < 10000) await sleep(5);
      const out = join(srv.db.dir, 'copy.db');
      const bk = await new Promise((res) => {
        const p = spawn(BIN, ['backup', '--db', srv.db.url, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        p.stdout.on('data', (d) => { text += d; });
        p.stderr.on('data', (d) => { text += d; });
        p.on('exit', (code) => res({ code, text }));
      });
      const ackedDuring = acked;
      await sleep(100);
      stop = true;
      await Promise.all(burst);
      assert.equal(bk.code, 0, bk.text);
      assert.ok(acked > ackedDuring || ackedDuring >= 50, 'writes went on around the backup');
      assert.ok(existsSync(out));
      assert.ok(!existsSync(out + '.part'), 'no temporary file left behind');
      assert.equal(execFileSync('sqlite3', [out, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
      assert.equal(execFileSync('sqlite3', [out, 'SELECT count(*) FROM admin_units'], { encoding: 'utf8' }).trim(), '3355');
      const copyEntries = verifyIntact('sqlite:' + out);
      assert.ok(copyEntries >= before + 50 && copyEntries <= before + acked,
        `copy holds ${copyEntries} entries: between ${before + 50} and ${before + acked}`);
      verifyIntact(srv.db.url, before + acked);
    } finally {
      await srv.close();
    }
  });

  test('e. backup of PostgreSQL exits 1 and points to pg_dump', { skip: !isPg && 'PostgreSQL only' }, () => {
    const db = freshDb();
    try {
      assert.equal(cli(['migrate', '--db', db.url]).status, 0);
      const out = join(tmpdir(), `tinhso-pg-backup-${process.pid}.db`);
      const r = cli(['backup', '--db', db.url, '--out', out]);
      assert.equal(r.status, 1);
      assert.match(r.stdout + r.stderr, /pg_dump/);
      assert.ok(!existsSync(out), 'no file written');
    } finally {
      db.cleanup();
    }
  });
});
