// Notifications end to end on a real server (SQLite, or PostgreSQL with
// TINHSO_TEST_PG): a citizen files a dossier and the centre's officers see
// it waiting in their queue; the centre receives and forwards it, and the
// citizen is told in the app and by e-mail and SMS (the outbox's log adapter
// writes each message once to its file); Sở Tư pháp's officers see it land
// in their queue, the centre's do not see the department's; reading moves
// the unread count; the outbox is the administrators' alone. Around that:
// a provider that fails (the message is retried with backoff, given up,
// then retried by an administrator), a process that dies between sending
// a message and marking it sent (the next start sends nothing twice), and
// an overdue step escalated to the department's leader exactly once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { assertProblem, signedIn, as } from './lib/helpers.mjs';
import { startServer, freshDb } from './lib/server.mjs';
import { makePdf } from './lib/files.mjs';

const LLTP = '2.000488';
const dir = mkdtempSync(join(tmpdir(), 'tinhso-notify-'));
let confN = 0;
function config(obj) {
  const p = join(dir, `c${confN++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}
const servers = [];
after(async () => { for (const s of servers) await s.close(); });
async function server(conf, opts = {}) {
  const s = await startServer({ ...opts, args: ['--config', config(conf)] });
  servers.push(s);
  return s;
}
function logLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
function sql(srv, q) {
  return (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q)).trim();
}

// nguoidan1 files the judicial record card with an e-mail and a phone to be told at
async function file(srv, s, extra = {}) {
  const d = await as(srv, s, '/api/v1/drafts', 'POST', {
    procedure: LLTP, applicant_id_number: '001190012345', applicant_email: 'thu.nguyen@example.vn',
    applicant_phone: '0912345678', ...extra,
  });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  const q = new URLSearchParams({ filename: 'to-khai.pdf', component: '0' });
  const up = await srv.json(`/api/v1/drafts/${d.body.id}/files?${q}`, {
    method: 'POST', body: makePdf(`to khai ${Math.random()}`),
    headers: { Cookie: `tinhso_session=${s.cookie}`, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/pdf' },
  });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const r = await as(srv, s, `/api/v1/drafts/${d.body.id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const mine = async (srv, s, q = '') => (await as(srv, s, `/api/v1/me/notifications${q}`)).body;

test('status changes reach the citizen in the app, by e-mail and SMS, and the queues of the agencies that have the dossier', async () => {
  const log = join(dir, 'outbox-main.log');
  const srv = await server({ outbox_log: log, public_url: 'https://dichvucong.example.gov.vn/' });
  const citizen = await signedIn(srv, 'nguoidan1');
  const other = await signedIn(srv, 'nguoidan2');
  const centre = await signedIn(srv, 'ttpvhcc.canbo1');
  const stp = await signedIn(srv, 'stp.canbo1');
  const centreBefore = (await mine(srv, centre)).unread;
  const stpBefore = (await mine(srv, stp)).unread;

  const d = await file(srv, citizen);
  // the centre's officers: it waits in their queue
  let n = await mine(srv, centre);
  assert.equal(n.unread, centreBefore + 1);
  assert.equal(n.items[0].subject, d.code);
  assert.equal(n.items[0].topic, 'dossier.queued');
  assert.equal(n.items[0].queue, true);
  assert.match(n.items[0].title, new RegExp(`^Hồ sơ ${d.code} chờ xử lý$`));
  assert.equal(n.items[0].link, `/ho-so/${d.code}`);
  // the citizen filed it: no in-app notice of their own act, but the e-mail and the SMS with the code
  const lines = await until('the filing messages', () => {
    const l = logLines(log).filter((m) => m.subject === d.code);
    return l.length >= 2 && l;
  });
  assert.deepEqual(lines.map((m) => m.channel).sort(), ['email', 'sms']);
  assert.equal(lines.find((m) => m.channel === 'email').to, 'thu.nguyen@example.vn');
  assert.equal(lines.find((m) => m.channel === 'sms').to, '0912345678');
  assert.match(lines[0].title, new RegExp(`Đã nộp hồ sơ ${d.code}`));
  assert.ok(lines[0].body.endsWith(`https://dichvucong.example.gov.vn/#/tra-cuu/${d.code}`), lines[0].body);
  const u0 = (await mine(srv, citizen)).unread;

  // received and forwarded: the citizen is told (in the app, with the appointment), the department's queue gets it
  let r = await as(srv, centre, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'receive', rev: d.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await as(srv, centre, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'forward', rev: r.body.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  n = await mine(srv, citizen);
  assert.equal(n.unread, u0 + 1);
  assert.equal(n.items[0].topic, 'dossier.receive');
  assert.equal(n.items[0].queue, false);
  assert.equal(n.items[0].read, false);
  assert.match(n.items[0].title, /đã được tiếp nhận/);
  assert.match(n.items[0].body, /Hẹn trả kết quả: \d\d:\d\d ngày \d\d\/\d\d\/\d{4}\./);
  assert.match(n.items[0].title_en, /received/);
  n = await mine(srv, stp);
  assert.equal(n.unread, stpBefore + 1);
  assert.equal(n.items[0].subject, d.code);
  assert.match(n.items[0].body, /bước 2: /);
  // the centre's officers do not see the department's queue, another citizen sees nothing of it
  assert.equal((await mine(srv, centre)).items.filter((i) => i.subject === d.code).length, 1);
  assert.equal((await mine(srv, other)).items.filter((i) => i.subject === d.code).length, 0);

  // assigned to a person: that person is told, by name
  const stp2 = await signedIn(srv, 'stp.canbo2');
  const me2 = (await as(srv, stp2, '/api/v1/me')).body;
  r = await as(srv, stp, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'assign', assignee: me2.account.id, rev: r.body.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  n = await mine(srv, stp2);
  assert.equal(n.items[0].topic, 'dossier.assigned');
  assert.match(n.items[0].title, /được giao cho bạn xử lý/);

  // reading: up to an id, then everything; never backwards
  const top = (await mine(srv, citizen)).items[0].id;
  r = await as(srv, citizen, '/api/v1/me/notifications/seen', 'POST', { up_to: top - 1 });
  assert.equal(r.status, 200);
  assert.equal(r.body.unread, 1);
  r = await as(srv, citizen, '/api/v1/me/notifications/seen', 'POST', {});
  assert.equal(r.body.unread, 0);
  r = await as(srv, citizen, '/api/v1/me/notifications/seen', 'POST', { up_to: 1 });
  assert.equal(r.body.unread, 0, 'what was read stays read');
  n = await mine(srv, citizen, '?unread=true');
  assert.equal(n.items.length, 0);
  assert.equal((await mine(srv, citizen)).items[0].read, true);
  // bad input
  assertProblem(await as(srv, citizen, '/api/v1/me/notifications/seen', 'POST', { up_to: 'x' }), 422, 'up_to');
  assertProblem(await as(srv, citizen, '/api/v1/me/notifications?limit=1000'), 400, 'limit');
  assert.equal((await srv.json('/api/v1/me/notifications')).status, 401);

  // every message reaches the log once; the outbox says sent
  await until('every message sent', async () => {
    const o = await srv.admin('/api/v1/outbox', 'GET');
    return o.body.counts.pending === 0 && o;
  });
  const keys = logLines(log).map((m) => m.key);
  assert.equal(new Set(keys).size, keys.length, 'no message twice');
  const o = await srv.admin('/api/v1/outbox?state=sent&limit=5', 'GET');
  assert.equal(o.status, 200);
  assert.ok(o.body.counts.sent >= 4);
  assert.equal(o.body.items[0].state, 'sent');
  assert.equal(o.body.items[0].attempts, 1);
  // the outbox is the system administrators'
  assert.equal((await as(srv, citizen, '/api/v1/outbox')).status, 403);
  assert.equal((await as(srv, centre, '/api/v1/outbox')).status, 403);
  assertProblem(await srv.admin('/api/v1/outbox?state=lost', 'GET'), 400, 'state');
  assert.equal((await srv.admin('/api/v1/outbox/999999/retry', 'POST', {})).status, 404);
  assert.equal((await srv.admin(`/api/v1/outbox/${o.body.items[0].id}/retry`, 'POST', {})).status, 409);
});

test('a provider that fails: retried with a growing wait, given up, then tried again by an administrator', async () => {
  // /dev/full takes the open and refuses every write: the adapter fails
  const srv = await server({ outbox_log: '/dev/full', outbox_backoff_seconds: 1, outbox_max_attempts: 2 });
  const citizen = await signedIn(srv, 'nguoidan1');
  const d = await file(srv, citizen, { applicant_email: null });
  const failed = await until('the SMS given up', async () => {
    const o = await srv.admin('/api/v1/outbox?state=failed', 'GET');
    return o.body.items.find((m) => m.subject === d.code) || null;
  }, 15000);
  assert.equal(failed.channel, 'sms');
  assert.equal(failed.attempts, 2);
  assert.match(failed.last_error, /\/dev\/full/);
  assert.match(srv.log, /given up after 2 attempts/);
  const citizenTry = await as(srv, citizen, `/api/v1/outbox/${failed.id}/retry`, 'POST', {});
  assert.equal(citizenTry.status, 403);
  const r = await srv.admin(`/api/v1/outbox/${failed.id}/retry`, 'POST', {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'pending');
  assert.equal(r.body.attempts, 0);
  // it fails again (the provider still refuses) and is given up again
  await until('given up again', async () => {
    const o = await srv.admin('/api/v1/outbox?state=failed', 'GET');
    return o.body.items.find((m) => m.id === failed.id) || null;
  }, 15000);
});

test('a process that dies after sending and before marking: the next start sends nothing twice', async (t) => {
  const probe = await server({});
  const fr = await probe.fetch('/readyz', { headers: { 'X-Tinhso-Fault': 'step=1' } });
  if (fr.headers.get('x-tinhso-fault') !== 'fired') { t.skip('needs a TINHSO_FAULTS build'); return; }
  const log = join(dir, 'outbox-crash.log');
  const db = freshDb();
  const conf = { outbox_log: log, outbox_lease_seconds: 1 };
  const a = await server(conf, { db, keepDb: true, env: { TINHSO_NOTIFY_CRASH: 'after_send' } });
  const citizen = await signedIn(a, 'nguoidan1');
  const d = await as(a, citizen, '/api/v1/drafts', 'POST', {
    procedure: LLTP, applicant_id_number: '001190012345', applicant_email: 'thu.nguyen@example.vn', applicant_phone: '0912345678',
  });
  const up = await a.json(`/api/v1/drafts/${d.body.id}/files?filename=a.pdf&component=0`, {
    method: 'POST', body: makePdf('crash'),
    headers: { Cookie: `tinhso_session=${citizen.cookie}`, 'X-CSRF-Token': citizen.csrf, 'Content-Type': 'application/pdf' },
  });
  assert.equal(up.status, 201);
  await as(a, citizen, `/api/v1/drafts/${d.body.id}/submit`, 'POST').catch(() => null);
  const exit = await a.exited;
  assert.equal(exit.code, 86, 'the process died right after the adapter took a message');
  const first = logLines(log);
  assert.equal(first.length, 1, 'one message was logged before the crash');
  assert.equal(sql(a, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'"), '0', 'and none marked sent');
  // the next start: the claim expires, both messages go, the first one not again
  const b = await startServer({ db, demo: false, args: ['--config', config(conf)] });
  servers.push(b);
  await until('both sent', () => sql(b, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") === '2', 15000);
  const all = logLines(log);
  assert.equal(all.length, 2);
  assert.equal(new Set(all.map((m) => m.key)).size, 2);
});

test('an overdue step is escalated to the leaders of its agency once, and the assignee is told', async () => {
  const srv = await server({ jobs_every_seconds: 1 });
  const citizen = await signedIn(srv, 'nguoidan1');
  const centre = await signedIn(srv, 'ttpvhcc.canbo1');
  const stp = await signedIn(srv, 'stp.canbo1');
  const leader = await signedIn(srv, 'stp.lanhdao');
  const centreLeader = await signedIn(srv, 'ttpvhcc.lanhdao');
  const d = await file(srv, citizen);
  let r = await as(srv, centre, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'receive' });
  r = await as(srv, centre, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'forward' });
  r = await as(srv, stp, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'assign' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.escalated, false);
  const leaderBefore = (await mine(srv, leader)).unread;
  // the step's deadline passes (moved back an hour in the database)
  sql(srv, `UPDATE dossiers SET step_due = step_started - 60 WHERE code = '${d.code}'`);
  const esc = await until('the escalation', async () => {
    const v = (await as(srv, stp, `/api/v1/dossiers/${d.code}`)).body;
    return v.escalated && v;
  });
  const events = esc.history.filter((e) => e.action === 'escalate');
  assert.equal(events.length, 1);
  let n = await mine(srv, leader);
  assert.equal(n.unread, leaderBefore + 1);
  assert.equal(n.items[0].topic, 'dossier.escalated');
  assert.match(n.items[0].title, new RegExp(`Hồ sơ ${d.code} quá hạn ở bước 2`));
  assert.equal((await mine(srv, stp)).items[0].topic, 'dossier.escalated', 'the assignee is told too');
  assert.equal((await mine(srv, centreLeader)).items.filter((i) => i.topic === 'dossier.escalated' && i.subject === d.code).length, 0);
  // the job runs again and again: still one escalation of this step
  await new Promise((res) => setTimeout(res, 2500));
  const again = (await as(srv, stp, `/api/v1/dossiers/${d.code}`)).body;
  assert.equal(again.history.filter((e) => e.action === 'escalate').length, 1);
  assert.equal(sql(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'dossier.escalate' AND object_id = '${d.code}'`), '1');
  // the next step can be escalated again
  r = await as(srv, stp, `/api/v1/dossiers/${d.code}/actions`, 'POST', { action: 'forward', rev: again.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.escalated, false);
});
