// `tinhso audit verify --db URL`: an intact chain verifies (exit 0, "N entries
// verified"), and every kind of tampering done behind the program's back —
// editing, deleting (middle and newest), inserting a forged entry,
// reordering, rewriting a hash — makes it exit 1 naming the entry that was
// tampered with. Each tampering runs on its own fresh database, on whichever
// backend the suite runs against (sqlite3 CLI or psql).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, freshDb, cloneDb, cli, backend } from './lib/server.mjs';

const isPg = backend === 'postgresql';
const PATCHES = 5;
// demo: units import, their boundaries, agencies, sign-ins, the centre's
// working hours, the procedure catalogue (one entry each); then one per PATCH
const DEMO = 8; // units, boundaries, agencies, sign-ins, the centre's hours, the forms, the procedures, the feedback categories
const ENTRIES = DEMO + PATCHES;
const PATCH2 = DEMO + 2; // an entry in the middle: the second PATCH

// Run SQL directly against the database, behind the program's back.
function sql(db, q) {
  return isPg ? db.psql(q) : db.sqlite(q);
}

// All audit rows, oldest first, as plain objects.
function auditRows(db) {
  const cols = ['seq', 'at', 'actor', 'agency', 'action', 'object_type', 'object_id', 'summary',
    'prev_hash', 'hash'];
  const pairs = cols.map((c) => `'${c}', ${c}`).join(', ');
  const out = isPg
    ? sql(db, `SELECT coalesce(json_agg(json_build_object(${pairs}) ORDER BY seq), '[]') FROM audit_log`)
    : sql(db, `SELECT json_group_array(json_object(${pairs})) FROM audit_log`);
  return JSON.parse(out.trim()).sort((a, b) => Number(a.seq) - Number(b.seq));
}

// The chain's rule, reimplemented independently: hash = hex(SHA-256(prev_hash ‖
// canonical)), canonical = compact JSON [seq, at, actor, agency|null, action,
// object_type, object_id, summary].
function entryHash(prev, e) {
  const canon = JSON.stringify([Number(e.seq), e.at, e.actor, e.agency ?? null, e.action,
    e.object_type, e.object_id, e.summary]);
  return createHash('sha256').update(prev + canon).digest('hex');
}

function verify(db) {
  const r = cli(['audit', 'verify', '--db', db.url]);
  return { ...r, out: r.stdout + r.stderr };
}

// The first entry number the verifier names.
function namedEntry(out) {
  const m = /\bentry (-?\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}

// A fresh database with demo data and PATCHES audited edits, made through
// the program; the server is stopped before it is returned.
async function build() {
  const db = freshDb();
  const srv = await startServer({ db, keepDb: true });
  try {
    const list = await srv.json('/api/v1/units?parent=24&limit=5');
    assert.equal(list.status, 200);
    const codes = list.body.items.map((u) => u.code);
    for (let i = 1; i <= PATCHES; i++) {
      const r = await srv.admin(`/api/v1/units/${codes[i % 3]}`, 'PATCH',
        { name: `Phường Thử ${i}`, name_en: `Test ward "${i}"` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  } finally {
    await srv.stop();
  }
  return db;
}

// Each case gets its own database: a copy of one built once per run (copying
// is much cheaper than loading the 3355 units again for every case).
let golden;
async function populated() {
  if (!golden) golden = await build();
  return cloneDb(golden);
}

function assertBroken(db, seq, what) {
  const r = verify(db);
  assert.equal(r.status, 1, `${what}: audit verify should exit 1, got ${r.status}:\n${r.out}`);
  assert.equal(namedEntry(r.out), seq, `${what}: should name entry ${seq}:\n${r.out}`);
  return r;
}

// Run one tampering on its own fresh database.
function tamperCase(name, seq, tamper) {
  test(`${name} → exit 1 naming entry ${seq}`, async () => {
    const db = await populated();
    try {
      const ok = verify(db);
      assert.equal(ok.status, 0, ok.out);
      await tamper(db);
      assertBroken(db, seq, name);
    } finally {
      db.cleanup();
    }
  });
}

describe(`audit verify (${backend})`, () => {
  after(() => golden?.cleanup());

  test('intact chain after demo and PATCHes: exit 0, "N entries verified", hashes recompute', async () => {
    const db = await populated();
    try {
      const r = verify(db);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, new RegExp(`\\b${ENTRIES} entries verified`), r.out);

      const rows = auditRows(db);
      assert.deepEqual(rows.map((e) => Number(e.seq)), [...Array(ENTRIES).keys()].map((i) => i + 1));
      let prev = '0'.repeat(64);
      for (const e of rows) {
        assert.equal(e.prev_hash, prev, `entry ${e.seq} prev_hash`);
        assert.equal(entryHash(prev, e), e.hash, `entry ${e.seq} hash recomputed independently`);
        prev = e.hash;
      }
      const head = sql(db, 'SELECT seq, hash FROM audit_head WHERE id = 1').trim().split('|');
      assert.deepEqual([Number(head[0]), head[1]], [ENTRIES, prev]);
      const last = rows[rows.length - 1];
      assert.equal(last.action, 'unit.update');
      assert.equal(JSON.parse(last.summary).name.to, `Phường Thử ${PATCHES}`);

      // The chain continues across a restart.
      const srv = await startServer({ db, demo: false, keepDb: true });
      try {
        const r2 = await srv.admin('/api/v1/units/07210', 'PATCH', { name: 'Bắc Giang mới' });
        assert.equal(r2.status, 200, JSON.stringify(r2.body));
      } finally {
        await srv.stop();
      }
      const r3 = verify(db);
      assert.equal(r3.status, 0, r3.out);
      assert.match(r3.out, new RegExp(`\\b${ENTRIES + 1} entries verified`), r3.out);
    } finally {
      db.cleanup();
    }
  });

  test('verify of an empty (migrated) database: intact, 0 entries', () => {
    const db = freshDb();
    try {
      const m = cli(['migrate', '--db', db.url]);
      assert.equal(m.status, 0, m.stderr);
      const r = verify(db);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /\b0 entries verified/);
    } finally {
      db.cleanup();
    }
  });

  // (a) edit an entry's content in the middle
  tamperCase('(a) summary of a middle entry edited', PATCH2, (db) => {
    const before = auditRows(db)[PATCH2 - 1].summary;
    assert.match(before, /Thử/);
    sql(db, `UPDATE audit_log SET summary = replace(summary, 'Thử', 'Giả') WHERE seq = ${PATCH2}`);
    assert.notEqual(auditRows(db)[PATCH2 - 1].summary, before);
  });
  tamperCase('(a) actor of a middle entry edited', 4, (db) => {
    sql(db, "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 4");
  });
  tamperCase('(a) time of a middle entry edited', 2, (db) => {
    sql(db, "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2");
  });
  tamperCase('(a) object id of the oldest entry edited', 1, (db) => {
    sql(db, "UPDATE audit_log SET object_id = '1999-01-01' WHERE seq = 1");
  });

  // (b) delete an entry
  tamperCase('(b) middle entry deleted', 3, (db) => {
    sql(db, 'DELETE FROM audit_log WHERE seq = 3');
  });
  tamperCase('(b) oldest entry deleted', 1, (db) => {
    sql(db, 'DELETE FROM audit_log WHERE seq = 1');
  });

  // (c) delete the newest entry only; audit_head still records it
  tamperCase('(c) newest entry deleted (head untouched)', ENTRIES, (db) => {
    sql(db, `DELETE FROM audit_log WHERE seq = ${ENTRIES}`);
  });
  tamperCase('(c) two newest entries deleted (head untouched)', ENTRIES - 1, (db) => {
    sql(db, `DELETE FROM audit_log WHERE seq >= ${ENTRIES - 1}`);
  });

  // (d) insert a forged entry in the middle, renumbering the ones after it
  const renumberFrom4 = 'UPDATE audit_log SET seq = -seq WHERE seq >= 4; ' +
    'UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;';
  tamperCase('(d) forged entry inserted at seq 4 (later ones renumbered, made-up hash)', 4, (db) => {
    sql(db, renumberFrom4 +
      'INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash) ' +
      "SELECT 4, at, 'admin-token', NULL, 'unit.update', 'admin_unit', '07210', " +
      `'{"name":{"from":"A","to":"B"}}', hash, '${'ab'.repeat(32)}' FROM audit_log WHERE seq = 3`);
    assert.equal(auditRows(db).length, ENTRIES + 1);
  });
  tamperCase('(d) forged entry with a correctly computed hash inserted at seq 4 (renumbered entry 5 no longer links)', 5, (db) => {
    const rows = auditRows(db);
    const forged = {
      seq: 4, at: rows[2].at, actor: 'admin-token', agency: null, action: 'unit.update',
      object_type: 'admin_unit', object_id: '07210', summary: '{"name":{"from":"A","to":"B"}}',
    };
    forged.prev_hash = rows[2].hash;
    forged.hash = entryHash(forged.prev_hash, forged);
    sql(db, renumberFrom4 +
      'INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash) ' +
      `VALUES (4, '${forged.at}', 'admin-token', NULL, 'unit.update', 'admin_unit', '07210', ` +
      `'${forged.summary}', '${forged.prev_hash}', '${forged.hash}'); ` +
      `UPDATE audit_head SET seq = ${ENTRIES + 1} WHERE id = 1`);
  });

  // A forged entry placed before the first one. seq 0 must be named as such:
  // "0" is not "intact", and the head is not at fault.
  tamperCase('(d) forged copy of entry 1 inserted before it as seq 0', 0, (db) => {
    sql(db, 'INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash) ' +
      'SELECT 0, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash FROM audit_log WHERE seq = 1');
  });
  test('(d) forged entry with a negative seq → exit 1 naming it, with a truthful reason', async () => {
    const db = await populated();
    try {
      sql(db, 'INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash) ' +
        'SELECT -1, at, actor, agency, action, object_type, object_id, summary, prev_hash, hash FROM audit_log WHERE seq = 1');
      const r = assertBroken(db, -1, 'negative seq');
      // the reason must say which entry was expected there (1), not repeat -1
      assert.doesNotMatch(r.out, /expected -1\b/, r.out);
      assert.match(r.out, /expected 1\b/, r.out);
    } finally {
      db.cleanup();
    }
  });

  // (e) reorder: exchange the contents of entries 2 and 3
  tamperCase('(e) summary/at/actor of entries 2 and 3 swapped', 2, (db) => {
    const rows = auditRows(db);
    assert.notEqual(rows[1].summary, rows[2].summary);
    sql(db, 'CREATE TEMP TABLE sw AS SELECT seq, at, actor, summary FROM audit_log WHERE seq IN (2, 3); ' +
      'UPDATE audit_log SET ' +
      'at = (SELECT sw.at FROM sw WHERE sw.seq = 5 - audit_log.seq), ' +
      'actor = (SELECT sw.actor FROM sw WHERE sw.seq = 5 - audit_log.seq), ' +
      'summary = (SELECT sw.summary FROM sw WHERE sw.seq = 5 - audit_log.seq) ' +
      'WHERE seq IN (2, 3)');
    const after = auditRows(db);
    assert.equal(after[1].summary, rows[2].summary);
    assert.equal(after[2].summary, rows[1].summary);
  });
  tamperCase('(e) whole entries 2 and 3 exchanged (seq numbers swapped)', 2, (db) => {
    sql(db, 'UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3); ' +
      'UPDATE audit_log SET seq = 5 + seq WHERE seq IN (-2, -3);');
  });

  // (f) change only the stored hash (or the link) of an entry
  tamperCase('(f) hash of a middle entry changed', 4, (db) => {
    sql(db, `UPDATE audit_log SET hash = '${'0f'.repeat(32)}' WHERE seq = 4`);
  });
  tamperCase('(f) hash of the newest entry changed', ENTRIES, (db) => {
    sql(db, `UPDATE audit_log SET hash = '${'0f'.repeat(32)}' WHERE seq = ${ENTRIES}`);
  });
  tamperCase('(f) prev_hash of a middle entry changed', 3, (db) => {
    sql(db, `UPDATE audit_log SET prev_hash = '${'0f'.repeat(32)}' WHERE seq = 3`);
  });
});
