// The audit chain anchored outside the database (issue 8 item 6): a server
// with an Ed25519 key signs tree heads into a checkpoint file; the heads,
// inclusion and consistency proofs are public and verify here with an
// independent RFC 6962 implementation (node:crypto); and `tinhso audit
// verify --checkpoints` catches what the plain chain cannot: the review's
// full rewrite (five password_reset/token.create entries deleted, the rest
// renumbered and re-hashed), a truncation and a fork, and a forged head.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { readFileSync, writeFileSync, statSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cloneDb, cli, backend } from './lib/server.mjs';
import { assertProblem } from './lib/helpers.mjs';

const isPg = backend === 'postgresql';
const STP = '000.00.03.H06'; // Sở Tư pháp
const sql = (db, q) => (isPg ? db.psql(q) : db.sqlite(q));

// ---- RFC 6962 / 9162, written here from the RFC, independently of src/ ----
const sha = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };
const leafHash = (chainHex) => sha(Buffer.from([0]), Buffer.from(chainHex, 'hex'));
const nodeHash = (l, r) => sha(Buffer.from([1]), l, r);
function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function verifyInclusion(leaf, index, size, path, root) {
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}
function verifyConsistency(m, n, rootM, rootN, proof) {
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  let p = [...proof];
  if ((m & (m - 1)) === 0) p = [rootM, ...p];
  let fn = m - 1, sn = n - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = p[0], sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr); sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(rootM) && sr.equals(rootN);
}
const hex = (h) => Buffer.from(h, 'hex');

// ---- the chain's rule (as in audit.test.mjs): used by the attacker here ----
function rows(db) {
  const cols = ['seq', 'at', 'actor', 'agency', 'action', 'object_type', 'object_id', 'summary', 'prev_hash', 'hash'];
  const pairs = cols.map((c) => `'${c}', ${c}`).join(', ');
  const out = isPg
    ? sql(db, `SELECT coalesce(json_agg(json_build_object(${pairs}) ORDER BY seq), '[]') FROM audit_log`)
    : sql(db, `SELECT json_group_array(json_object(${pairs})) FROM audit_log`);
  return JSON.parse(out.trim()).map((e) => ({ ...e, seq: Number(e.seq) })).sort((a, b) => a.seq - b.seq);
}
const chainHash = (prev, e) => createHash('sha256').update(prev + JSON.stringify([e.seq, e.at, e.actor,
  e.agency ?? null, e.action, e.object_type, e.object_id, e.summary])).digest('hex');
const q = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replaceAll("'", "''")}'`);

// Replace the whole log by `entries` (renumbered 1.., re-hashed): what an
// attacker with the database (a backup copy) can do; the plain chain verifies.
function rewrite(db, entries) {
  let prev = '0'.repeat(64);
  const values = entries.map((e, i) => {
    const n = { ...e, seq: i + 1 };
    const h = chainHash(prev, n);
    const v = `(${n.seq}, ${q(n.at)}, ${q(n.actor)}, ${q(n.agency)}, ${q(n.action)}, ${q(n.object_type)}, ${q(n.object_id)}, ${q(n.summary)}, ${q(prev)}, ${q(h)})`;
    prev = h;
    return v;
  });
  sql(db, `DELETE FROM audit_log; INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash) VALUES ${values.join(', ')}; UPDATE audit_head SET seq = ${entries.length}, hash = '${prev}' WHERE id = 1;`);
}

const verifyCli = (db, ...extra) => {
  const r = cli(['audit', 'verify', '--db', db.url, ...extra]);
  return { ...r, out: r.stdout + r.stderr };
};

describe(`audit tree: signed heads, proofs, checkpoints (${backend})`, () => {
  let golden, dir, key, cp, heads, srvLog;
  const keyArgs = () => ['--checkpoints', cp, '--key', key + '.pub'];

  before(async () => {
    golden = freshDb();
    dir = mkdtempSync(join(tmpdir(), 'tinhso-tree-'));
    key = join(dir, 'audit.key');
    cp = join(dir, 'checkpoints.txt');
    const kg = cli(['audit', 'keygen', '--key', key]);
    assert.equal(kg.status, 0, kg.stderr);
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ audit_key_file: key, audit_checkpoint_file: cp, audit_sign_every: 4, audit_sign_seconds: 1 }));
    const srv = await startServer({ db: golden, keepDb: true, args: ['--config', cfg] });
    try {
      const accts = await srv.admin('/api/v1/accounts?q=nguoidan&limit=5', 'GET');
      assert.equal(accts.status, 200, JSON.stringify(accts.body));
      const id = accts.body.items[0].id;
      for (let i = 0; i < 4; i++) {
        // tokens belong to an account: made for stp.quantri on the console (token.create)
        const t = cli(['token', 'create', '--db', golden.url, '--owner', 'stp.quantri', '--agency', STP, '--name', `Kết nối ${i}`,
          '--purpose', 'Thử cây kiểm toán', '--permissions', 'agency_admin']);
        assert.equal(t.status, 0, t.stderr);
        const p = await srv.admin(`/api/v1/accounts/${id}/password`, 'POST', { password: `Mật khẩu mới số ${i} rất dài` });
        assert.ok(p.status < 300, JSON.stringify(p.body));
        await new Promise((r) => setTimeout(r, 400)); // several heads, signed as the log grows
      }
      // the head catches up with the log within about a second
      let sth;
      for (let i = 0; i < 60; i++) {
        sth = await srv.json('/api/v1/audit/sth');
        if (sth.status === 200 && sth.body.tree_size === 16) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(sth.status, 200, JSON.stringify(sth.body));
      assert.equal(sth.body.tree_size, 16, '8 demo entries + 4 token.create + 4 password resets');
    } finally {
      await srv.stop();
      srvLog = srv.log;
    }
    heads = readFileSync(cp, 'utf8').trim().split('\n');
  });
  after(() => { golden?.cleanup(); rmSync(dir, { recursive: true, force: true }); });

  test('keygen: the private key is mode 0600, never overwritten', () => {
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const again = cli(['audit', 'keygen', '--key', key]);
    assert.equal(again.status, 1, 'keygen refuses to overwrite a key');
  });

  test('the checkpoint file: one greppable line per head, each signature verifies with the public key', () => {
    assert.ok(heads.length >= 2, `several heads were signed:\n${heads.join('\n')}\n${srvLog}`);
    const pub = createPublicKey(readFileSync(key + '.pub'));
    let last = 0;
    for (const line of heads) {
      const m = /^tinhso-sth v1 size=(\d+) root=([0-9a-f]{64}) at=(\S+) key=([0-9a-f]{16}) sig=(\S+)$/.exec(line);
      assert.ok(m, line);
      assert.ok(Number(m[1]) > last, 'sizes grow');
      last = Number(m[1]);
      const msg = `tinhso-audit-sth-v1\n${m[1]}\n${m[2]}\n${m[3]}\n`;
      assert.ok(edVerify(null, Buffer.from(msg), pub, Buffer.from(m[5], 'base64')), `signature of ${line}`);
    }
    // each head's root is the RFC 6962 root of the chain hashes (computed here)
    const leaves = rows(golden).map((e) => leafHash(e.hash));
    for (const line of heads) {
      const [, size, root] = /size=(\d+) root=(\w+)/.exec(line);
      assert.equal(mth(leaves.slice(0, Number(size))).toString('hex'), root);
    }
  });

  test('GET sth, proof/{seq} and consistency: public, and verify independently', async () => {
    const srv = await startServer({ db: golden, keepDb: true, demo: false,
      args: ['--config', join(dir, 'config.json')] });
    try {
      const sth = await srv.json('/api/v1/audit/sth'); // no credentials: public
      assert.equal(sth.status, 200);
      const raw = Buffer.from(sth.body.public_key, 'base64');
      const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
      const msg = `tinhso-audit-sth-v1\n${sth.body.tree_size}\n${sth.body.root_hash}\n${sth.body.timestamp}\n`;
      assert.ok(edVerify(null, Buffer.from(msg), pub, Buffer.from(sth.body.signature, 'base64')));
      const n = sth.body.tree_size;
      const entries = rows(golden);
      for (let seq = 1; seq <= n; seq++) {
        const p = await srv.json(`/api/v1/audit/proof/${seq}`);
        assert.equal(p.status, 200, JSON.stringify(p.body));
        assert.equal(p.body.leaf_index, seq - 1);
        assert.equal(p.body.tree_size, n);
        // a citizen holding the entry's chain hash checks it is in the signed log
        assert.equal(p.body.leaf_hash, leafHash(entries[seq - 1].hash).toString('hex'));
        assert.ok(verifyInclusion(hex(p.body.leaf_hash), seq - 1, n, p.body.audit_path.map(hex), hex(sth.body.root_hash)), `proof of ${seq}`);
        assert.equal(p.body.sth.signature, sth.body.signature);
      }
      // against an older head
      const first = Number(/size=(\d+)/.exec(heads[0])[1]);
      const old = await srv.json(`/api/v1/audit/proof/1?tree_size=${first}`);
      assert.equal(old.status, 200);
      assert.ok(verifyInclusion(hex(old.body.leaf_hash), 0, first, old.body.audit_path.map(hex), hex(/root=(\w+)/.exec(heads[0])[1])));
      for (let m = 1; m <= n; m++) {
        const c = await srv.json(`/api/v1/audit/consistency?first=${m}&second=${n}`);
        assert.equal(c.status, 200, JSON.stringify(c.body));
        assert.equal(c.body.second_root_hash, sth.body.root_hash);
        assert.ok(verifyConsistency(m, n, hex(c.body.first_root_hash), hex(c.body.second_root_hash), c.body.proof.map(hex)), `consistency ${m}..${n}`);
      }
      // bad input: a clear problem naming the parameter
      assertProblem(await srv.json('/api/v1/audit/proof/0'), 404);
      assertProblem(await srv.json('/api/v1/audit/proof/abc'), 404);
      assertProblem(await srv.json(`/api/v1/audit/proof/${n + 1}`), 404);
      assertProblem(await srv.json(`/api/v1/audit/proof/1?tree_size=${n + 1}`), 422, 'tree_size');
      assertProblem(await srv.json('/api/v1/audit/proof/1?tree_size=x'), 400, 'tree_size');
      assertProblem(await srv.json(`/api/v1/audit/consistency?first=${n}&second=2`), 422, 'first');
      assertProblem(await srv.json('/api/v1/audit/consistency'), 400, 'first');
      // the entries themselves stay restricted
      assertProblem(await srv.json('/api/v1/audit'), 401);
    } finally {
      await srv.stop();
    }
  });

  test('intact: verify --checkpoints --key exits 0', () => {
    const r = verifyCli(golden, ...keyArgs());
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /signed heads match/);
    assert.match(r.out, /signatures verified/);
  });

  test('the review\'s attack: five password_reset/token.create entries deleted, the rest renumbered and re-hashed → the plain chain verifies, the checkpoints do not', () => {
    const db = cloneDb(golden);
    try {
      const all = rows(db);
      let dropped = 0;
      const kept = all.filter((e) => {
        if (dropped < 5 && /token\.create|password_reset/.test(e.action)) { dropped++; return false; }
        return true;
      });
      assert.equal(dropped, 5);
      rewrite(db, kept);
      const plain = verifyCli(db);
      assert.equal(plain.status, 0, `the re-hashed chain fools the plain verifier:\n${plain.out}`);
      const r = verifyCli(db, ...keyArgs());
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /audit checkpoints BROKEN: (REWRITTEN|FORK|TRUNCATED)/);
    } finally {
      db.cleanup();
    }
  });

  // Tamper with a copy: replace its log by mutate(entries) so that the plain
  // chain still verifies; verify --checkpoints must exit 1 with that message.
  const caught = (name, mutate, message) => test(name, () => {
    const db = cloneDb(golden);
    try {
      rewrite(db, mutate(rows(db)));
      assert.equal(verifyCli(db).status, 0, 'the plain chain is fooled');
      const r = verifyCli(db, ...keyArgs());
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, message());
    } finally {
      db.cleanup();
    }
  });
  const firstSize = () => Number(/size=(\d+)/.exec(heads[0])[1]);

  caught('a rewrite that keeps every entry but edits one and re-hashes → REWRITTEN, naming the line',
    (all) => all.map((e, i) => (i === 1 ? { ...e, summary: '{"edited":true}' } : e)),
    () => /REWRITTEN: the database's first \d+ entries do not match the signed head of line 1/);
  caught('truncation: the newest entries removed and the head moved back → TRUNCATED',
    (all) => all.slice(0, -3),
    () => /TRUNCATED: line \d+ signed a tree of (1[4-6]) entries but the database holds only 13/);
  caught('fork: the history after the first signed head replaced by another → FORK naming where',
    (all) => all.map((e, i) => (i < firstSize() ? e : { ...e, actor: 'user:999', summary: `{"other":${i}}` })),
    () => new RegExp(`FORK: the database agrees with the signed head of line 1 \\(${firstSize()} entries\\)`));

  test('two servers on one database, both signing: one head per size, no failed signing, both files verify', async () => {
    const db = cloneDb(golden);
    const cfgs = [1, 2].map((i) => {
      const f = join(dir, `two-${i}.json`);
      writeFileSync(f, JSON.stringify({ audit_key_file: key, audit_checkpoint_file: join(dir, `two-${i}.txt`), audit_sign_every: 1, audit_sign_seconds: 1 }));
      return f;
    });
    const srvs = [];
    try {
      for (const c of cfgs) srvs.push(await startServer({ db, keepDb: true, demo: false, args: ['--config', c] }));
      for (let i = 0; i < 12; i++) {
        const r = await srvs[i % 2].admin('/api/v1/units/24', 'PATCH', { name_en: `Bac Ninh ${i}` });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (i % 3 === 2) await new Promise((res) => setTimeout(res, 700));
      }
    } finally {
      for (const s of srvs) await s.stop();
    }
    try {
      for (const s of srvs) assert.doesNotMatch(s.log, /signing the tree head failed/, s.log);
      const sizes = sql(db, 'SELECT tree_size FROM audit_sth ORDER BY tree_size').trim().split('\n').map(Number);
      assert.equal(new Set(sizes).size, sizes.length);
      assert.equal(sizes.at(-1), Number(sql(db, 'SELECT count(*) FROM audit_log').trim()), 'the last head covers every entry');
      // each head is appended once, by the process that signed it; every file verifies
      const files = [1, 2].map((i) => join(dir, `two-${i}.txt`)).filter((f) => existsSync(f));
      const lines = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
      assert.deepEqual(lines.map((l) => Number(/size=(\d+)/.exec(l)[1])).sort((a, b) => a - b),
        sizes.filter((n) => n > 16), 'the heads signed by the two servers (the copy had 16 entries)');
      for (const f of files) {
        const r = verifyCli(db, '--checkpoints', f, '--key', key + '.pub');
        assert.equal(r.status, 0, r.out);
      }
    } finally {
      db.cleanup();
    }
  });

  test('a forged or altered checkpoint line fails its signature; a rolled-back head in the file is a fork', () => {
    const bad = join(dir, 'forged.txt');
    writeFileSync(bad, heads.map((l, i) => (i === 0 ? l.replace(/root=(.)/, (m, c) => `root=${c === 'a' ? 'b' : 'a'}`) : l)).join('\n') + '\n');
    let r = verifyCli(golden, '--checkpoints', bad, '--key', key + '.pub');
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /line 1 \(tree size \d+\): the signature does not verify/);
    writeFileSync(bad, [...heads, heads[0]].join('\n') + '\n');
    r = verifyCli(golden, '--checkpoints', bad);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /FORK: line \d+ signs a tree of \d+ entries after line \d+ signed 16/);
    writeFileSync(bad, 'not a head\n');
    r = verifyCli(golden, '--checkpoints', bad);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /line 1 is not a signed tree head/);
  });
});
