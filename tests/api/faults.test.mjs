// A failed request changes nothing, whatever storage call fails. Every
// write endpoint of the API (the route tables in src/domains/*_http.c) is
// sent again and again with X-Tinhso-Fault: step=N for N = 1, 2, ... — the
// Nth storage call of the request (prepare, step, exec, begin, commit) fails
// with a database error — and once with "commit", until the request
// succeeds without reaching the fault. Each failing run must answer a clear
// 5xx problem+json (a message in Vietnamese, or English when asked, nothing
// of the internals) and leave every table as it was (a hash of each table
// before and after: no row changed, no audit entry added); the audit chain
// still verifies. Needs a TINHSO_FAULTS build (scripts/test.sh makes one);
// skipped otherwise. Runs on SQLite and on PostgreSQL like every API suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, cli, ADMIN_TOKEN } from './lib/server.mjs';
import { DEMO_PW, PROBLEM, signedIn, login, auditCount } from './lib/helpers.mjs';
import { totp, nowStep } from './lib/totp.mjs';
import { makePdf } from './lib/files.mjs';

const ROOT = '000.00.00.H06';
const STP = '000.00.03.H06';
const STP_DIV = '000.01.03.H06';
const MAX_STEPS = 300;

let srv;
let faultsBuild = false;
before(async () => {
  // nothing but the requests changes the tables: no outbox drainer, no periodic jobs
  const conf = join(mkdtempSync(join(tmpdir(), 'tinhso-faults-')), 'config.json');
  writeFileSync(conf, JSON.stringify({ outbox_drain: false, jobs_every_seconds: 0 }));
  srv = await startServer({ args: ['--threads', '2', '--config', conf] });
  const r = await srv.fetch('/readyz', { headers: { 'X-Tinhso-Fault': 'step=1' } });
  faultsBuild = r.headers.get('x-tinhso-fault') === 'fired';
});
after(async () => { if (srv) await srv.close(); });

// A small province-level procedure of Sở Tư pháp (docs/api.md's shape).
function procedureDoc(code, from = '2025-07-01') {
  return {
    code, name: `Thủ tục thử lỗi ${code}`, field: 'Công chứng', level: 'province', service_level: 'mot_phan', agency: STP,
    receiving: ['000.20.01.H06'], cases: [{ name: 'Thông thường', times: [{ channel: 'counter', unit: 'working_days', amount: 5 }] }],
    effective_from: from,
  };
}

// ---- the state of every table ----

function tables() {
  if (srv.db.sqlite) {
    // a full-text index's virtual table has no rows of its own to hash: its
    // shadow tables (NAME_data, NAME_idx, ...) hold the index and are hashed
    return srv.db.sqlite("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' " +
      "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")
      .trim().split('\n');
  }
  return srv.db.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").trim().split('\n');
}

let tableNames;
// table name -> hash of its rows
function snapshot() {
  tableNames ??= tables();
  let out;
  if (srv.db.sqlite) {
    out = execFileSync('sqlite3', [srv.db.path], {
      input: tableNames.map((t) => `.sha3sum ${t}\n`).join(''), encoding: 'utf8',
    });
  } else {
    out = srv.db.psql(tableNames.map((t) =>
      `SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) || '|${t}' FROM "${t}" x`).join(' UNION ALL '));
  }
  const snap = {};
  for (const line of out.trim().split('\n')) {
    const [hash, name] = line.split('|');
    snap[name] = hash;
  }
  assert.equal(Object.keys(snap).length, tableNames.length, `a hash per table: ${out}`);
  return snap;
}

function changedTables(a, b) {
  return Object.keys(a).filter((t) => a[t] !== b[t]);
}

// ---- requests ----

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const cookie = (sess) => ({ Cookie: `tinhso_session=${sess.cookie}`, 'X-CSRF-Token': sess.csrf });

// req.body is sent as JSON; req.raw as it is, with req.type (an upload).
async function send(req, fault, lang) {
  const headers = { ...(req.headers || {}) };
  if (req.body !== undefined) headers['Content-Type'] = 'application/json';
  if (req.raw !== undefined) headers['Content-Type'] = req.type;
  if (fault) headers['X-Tinhso-Fault'] = fault;
  if (lang) headers['Accept-Language'] = lang;
  const r = await srv.fetch(req.path, {
    method: req.method, headers, body: req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body)),
  });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  return { status: r.status, headers: r.headers, body, text, fired: r.headers.get('x-tinhso-fault') === 'fired' };
}

const INTERNALS = /fault injected|sqlite|pg (step|prepare|exec)|SQLSTATE|storage call|\.c:\d|at 0x|backtrace/i;

// One failing run: a clear 5xx problem and no change anywhere.
function assertCleanFailure(name, fault, r, lang, before, after) {
  const where = `${name} with ${fault}`;
  assert.ok(r.status >= 500 && r.status <= 599, `${where}: a 5xx answer, got ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') || '', PROBLEM, `${where}: problem+json`);
  assert.equal(r.body.status, r.status, `${where}: status in the body`);
  assert.equal(typeof r.body.title, 'string');
  assert.ok(r.body.detail && r.body.detail.length > 3, `${where}: a message`);
  if (lang === 'en') assert.match(r.body.detail, /^[\x20-\x7e]+$/, `${where}: English when asked: ${r.body.detail}`);
  else assert.match(r.body.detail, /[^\x00-\x7f]/, `${where}: Vietnamese by default: ${r.body.detail}`);
  assert.doesNotMatch(r.text, INTERNALS, `${where}: nothing of the internals: ${r.text}`);
  const changed = changedTables(before, after);
  assert.deepEqual(changed, [], `${where} (answered ${r.status}) changed tables ${changed.join(', ')}`);
}

const sql = (q) => (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q));

// Drive req with every fault until it succeeds without reaching one; returns
// the successful answer and the number of storage calls it made. opts.audit:
// entries its success adds (default 1); opts.reset: SQL run before each
// attempt and before comparing (what the case may change on purpose).
async function everyFault(name, req, okStatus, opts = {}) {
  const reset = () => opts.reset && sql(opts.reset);
  reset();
  // a session records its use once a minute, in a write of its own, on
  // purpose (decisions §29): pinned in the future, no request here records it
  sql('UPDATE sessions SET last_seen = 4102444800');
  const before = snapshot();
  const audit0 = auditCount(srv.db.url);
  // a failed COMMIT first: the most likely real failure of a healthy database
  const faults = ['commit'];
  for (let n = 1; n <= MAX_STEPS; n++) faults.push(`step=${n}`);
  let failures = 0;
  for (const fault of faults) {
    const lang = failures % 2 ? 'en' : undefined;
    const r = await send(req, fault, lang);
    reset();
    if (!r.fired) {
      if (fault === 'commit') assert.fail(`${name}: commits nothing (the commit fault never fired): ${r.status}`);
      assert.equal(r.status, okStatus, `${name}: succeeds once the fault is out of reach: ${r.text.slice(0, 300)}`);
      assert.ok(failures > 1, `${name}: at least one storage call failed`);
      const audit = opts.audit ?? 1;
      assert.equal(auditCount(srv.db.url), audit0 + audit, `${name}: ${audit} audit entries once it succeeded`);
      return { r, steps: n(fault) - 1 };
    }
    assertCleanFailure(name, fault, r, lang, before, snapshot());
    assert.equal(auditCount(srv.db.url), audit0, `${name} with ${fault}: the chain verifies, no entry added`);
    failures++;
  }
  assert.fail(`${name}: still failing at step ${MAX_STEPS}`);
}

function n(fault) {
  return Number(fault.split('=')[1]);
}

// Every write route: [name, async () => request, expected success status].
// The requests are made right before they run (sessions, ids of earlier ones).
const state = {};
const cases = [
  ['PATCH /api/v1/units/{code}', async () => ({ method: 'PATCH', path: '/api/v1/units/24', headers: admin, body: { name_en: 'Bac Ninh (fault test)' } }), 200],
  ['POST /api/v1/agencies', async () => ({
    method: 'POST', path: '/api/v1/agencies', headers: admin,
    body: { code: '000.00.16.H06', parent_code: ROOT, kind: 'department', name: 'Sở Du lịch', short_name: 'SDL' },
  }), 201],
  ['PATCH /api/v1/agencies/{code}', async () => ({ method: 'PATCH', path: `/api/v1/agencies/${STP}`, headers: admin, body: { short_name: 'STP (thử lỗi)' } }), 200],
  ['POST /api/v1/auth/register', async () => ({
    method: 'POST', path: '/api/v1/auth/register',
    body: { username: 'thu.loi', full_name: 'Người Thử Lỗi', password: 'hoa sen nở giữa hè' },
  }), 201, {
    // the per-address registration limit counts attempts, failed ones too, in
    // a transaction of its own before the account is created: on purpose (each
    // attempt costs a password hash). Cleared around every attempt, so that
    // the limit is not reached and only that counter may differ.
    reset: "DELETE FROM login_throttle WHERE key LIKE 'reg:%'",
  }],
  // the password throttle counts a try in a transaction of its own before the
  // hash, on purpose (parallel tries cannot overshoot the limits; decisions
  // §31): cleared around every attempt like the registration counter.
  ['POST /api/v1/auth/login', async () => ({ method: 'POST', path: '/api/v1/auth/login', body: { username: 'stp.canbo1', password: DEMO_PW } }), 200,
    { reset: 'DELETE FROM login_failures' }],
  ['POST /api/v1/auth/logout', async () => {
    const s = await signedIn(srv, 'stp.canbo2');
    return { method: 'POST', path: '/api/v1/auth/logout', headers: cookie(s) };
  }, 204], // signing out ends a session: one auth.logout entry
  ['POST /api/v1/me/password', async () => {
    const s = await signedIn(srv, 'thu.loi', 'hoa sen nở giữa hè');
    return { method: 'POST', path: '/api/v1/me/password', headers: cookie(s), body: { old_password: 'hoa sen nở giữa hè', new_password: 'trống đồng Đông Sơn' } };
  }, 204, { reset: 'DELETE FROM login_failures' }],
  ['POST /api/v1/accounts', async () => ({
    method: 'POST', path: '/api/v1/accounts', headers: cookie(await signedIn(srv, 'stp.quantri')),
    body: { username: 'stp.moi', full_name: 'Cán Bộ Mới', password: DEMO_PW + '!x', role: 'officer', agency_code: STP },
  }), 201],
  ['PATCH /api/v1/accounts/{id} (edit)', async () => ({
    method: 'PATCH', path: `/api/v1/accounts/${await idOf('stp.canbo1')}`, headers: admin, body: { full_name: 'Lê Văn Cường (sửa)', email: 'cuong@stp.example.gov.vn' },
  }), 200],
  ['POST /api/v1/me/contact/verify', async () => {
    // the e-mail set by the edit above, proven with the code the CLI prints
    const c = cli(['user', 'contact-code', '--db', srv.db.url, '--username', 'stp.canbo1', '--channel', 'email']);
    assert.equal(c.status, 0, c.stderr);
    const s = await signedIn(srv, 'stp.canbo1');
    return { method: 'POST', path: '/api/v1/me/contact/verify', headers: cookie(s), body: { channel: 'email', code: c.stdout.trim() } };
  }, 204],
  ['PATCH /api/v1/accounts/{id} (disable)', async () => {
    await signedIn(srv, 'stp.lanhdao'); // a live session the disabling must end
    return { method: 'PATCH', path: `/api/v1/accounts/${await idOf('stp.lanhdao')}`, headers: cookie(await signedIn(srv, 'stp.quantri')), body: { disabled: true } };
  }, 200],
  ['POST /api/v1/accounts/{id}/grants', async () => ({
    method: 'POST', path: `/api/v1/accounts/${await idOf('stp.canbo1')}/grants`, headers: admin, body: { role: 'leader', agency: STP_DIV },
  }), 201],
  ['DELETE /api/v1/accounts/{id}/grants/{grant_id}', async () => {
    const id = await idOf('stp.canbo1');
    const a = await srv.admin(`/api/v1/accounts/${id}`, 'GET');
    const g = a.body.grants.find((x) => x.role === 'leader' && x.agency_code === STP_DIV);
    assert.ok(g, `the grant added before: ${JSON.stringify(a.body.grants)}`);
    return { method: 'DELETE', path: `/api/v1/accounts/${id}/grants/${g.id}`, headers: admin };
  }, 204],
  ['POST /api/v1/accounts/{id}/password', async () => ({
    method: 'POST', path: `/api/v1/accounts/${await idOf('stp.canbo2')}/password`, headers: cookie(await signedIn(srv, 'stp.quantri')), body: { password: 'trống đồng Đông Sơn' },
  }), 204],
  ['POST /api/v1/tokens', async () => ({
    method: 'POST', path: '/api/v1/tokens', headers: cookie(await signedIn(srv, 'stp.quantri')), body: { name: 'Kết nối LGSP (thử lỗi)', purpose: 'Thử lỗi', agency_code: STP, permissions: ['agency_admin'] },
  }), 201],
  ['DELETE /api/v1/tokens/{id}', async () => ({ method: 'DELETE', path: `/api/v1/tokens/${state.tokenId}`, headers: admin }), 204],
  ['PUT /api/v1/calendar/{year}/schedule', async () => ({
    method: 'PUT', path: '/api/v1/calendar/2027/schedule', headers: admin,
    body: { days: [{ date: '2027-01-01', kind: 'holiday', name: 'Tết Dương lịch', name_en: "New Year's Day", ref: 'Bộ luật Lao động 2019, Điều 112' }] },
  }), 200],
  ['POST /api/v1/procedures', async () => ({
    method: 'POST', path: '/api/v1/procedures', headers: cookie(await signedIn(srv, 'stp.quantri')), body: procedureDoc('1.900001'),
  }), 201],
  ['PUT /api/v1/procedures/{code}', async () => ({
    method: 'PUT', path: '/api/v1/procedures/1.900001', headers: admin, body: { ...procedureDoc('1.900001', '2026-01-01'), base_version: 1 },
  }), 200],
  ['POST /api/v1/procedures/import', async () => ({
    method: 'POST', path: '/api/v1/procedures/import', headers: admin, body: { procedures: [procedureDoc('1.900002'), procedureDoc('1.900001', '2026-06-01')] },
  }), 200, { audit: 2 }], // one entry per version written
  ['POST /api/v1/templates', async () => ({
    method: 'POST', path: '/api/v1/templates?filename=m%E1%BA%ABu.pdf', headers: cookie(await signedIn(srv, 'stp.quantri')),
    raw: makePdf('Mau thu loi'), type: 'application/pdf',
  }), 201],
  // dossiers (decisions §38): a citizen's draft, its papers, the filing; a counter intake; an action; a scan; a bulk assignment
  ['POST /api/v1/drafts', async () => {
    state.citizen = await signedIn(srv, 'nguoidan1');
    return { method: 'POST', path: '/api/v1/drafts', headers: cookie(state.citizen), body: { procedure: '2.000488' } };
  }, 201, { after: (r) => { state.draft = r.body.id; } }],
  ['PATCH /api/v1/drafts/{id}', async () => ({
    method: 'PATCH', path: `/api/v1/drafts/${state.draft}`, headers: cookie(state.citizen), body: { applicant_address: 'Số 10 Lý Thái Tổ, Bắc Ninh' },
  }), 200],
  ['POST /api/v1/drafts/{id}/files', async () => ({
    method: 'POST', path: `/api/v1/drafts/${state.draft}/files?filename=t%E1%BB%9D-khai.pdf&component=0`, headers: cookie(state.citizen),
    raw: makePdf('To khai thu loi'), type: 'application/pdf',
  }), 201],
  ['DELETE /api/v1/drafts/{id}/files/{file}', async () => {
    const up = await srv.json(`/api/v1/drafts/${state.draft}/files?filename=thua.pdf`, {
      method: 'POST', headers: { ...cookie(state.citizen), 'Content-Type': 'application/pdf' }, body: makePdf('Giay to thua'),
    });
    assert.equal(up.status, 201);
    return { method: 'DELETE', path: `/api/v1/drafts/${state.draft}/files/${up.body.id}`, headers: cookie(state.citizen) };
  }, 204],
  ['POST /api/v1/drafts/{id}/submit', async () => ({
    method: 'POST', path: `/api/v1/drafts/${state.draft}/submit`, headers: cookie(state.citizen),
  }), 201, { after: (r) => { state.code = r.body.code; } }],
  ['DELETE /api/v1/drafts/{id}', async () => {
    const d = await srv.json('/api/v1/drafts', {
      method: 'POST', headers: { ...cookie(state.citizen), 'Content-Type': 'application/json' }, body: JSON.stringify({ procedure: '2.000488' }),
    });
    return { method: 'DELETE', path: `/api/v1/drafts/${d.body.id}`, headers: cookie(state.citizen) };
  }, 204],
  ['POST /api/v1/dossiers', async () => {
    state.centre = await signedIn(srv, 'ttpvhcc.canbo1');
    return { method: 'POST', path: '/api/v1/dossiers', headers: cookie(state.centre), body: { procedure: '2.000488', channel: 'post', applicant_name: 'Đỗ Văn Nam' } };
  }, 201],
  ['POST /api/v1/dossiers/{code}/actions', async () => ({
    method: 'POST', path: `/api/v1/dossiers/${state.code}/actions`, headers: cookie(state.centre), body: { action: 'receive' },
  }), 200],
  ['POST /api/v1/dossiers/{code}/files', async () => ({
    method: 'POST', path: `/api/v1/dossiers/${state.code}/files?filename=ban-chup.png&kind=scan`, headers: cookie(state.centre),
    raw: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'), type: 'image/png',
  }), 201],
  // reading one's notifications is not audited: nothing but the mark changes
  ['POST /api/v1/me/notifications/seen', async () => ({
    method: 'POST', path: '/api/v1/me/notifications/seen', headers: cookie(state.centre), body: {},
  }), 200, { audit: 0 }],
  ['POST /api/v1/outbox/{id}/retry', async () => {
    // a message given up (this server sends nothing: outbox_drain is off)
    sql("INSERT INTO outbox (skey, channel, recipient, topic, subject, title, body, created_at, next_at, state, attempts) " +
      "VALUES ('fault-test', 'sms', '0912000111', 'dossier.receive', 'x', 'Hồ sơ x', 'y', '2026-12-01T00:00:00Z', 0, 'failed', 8)");
    const id = sql("SELECT id FROM outbox WHERE skey = 'fault-test'").trim();
    return { method: 'POST', path: `/api/v1/outbox/${id}/retry`, headers: admin, body: {} };
  }, 200],
  // one code: a failed write of it fails the request (with more, the codes done before it stay done)
  ['POST /api/v1/dossiers/bulk-actions', async () => ({
    method: 'POST', path: '/api/v1/dossiers/bulk-actions', headers: cookie(state.centre), body: { action: 'assign', codes: [state.code] },
  }), 200],
  ['PUT /api/v1/agencies/{code}/working-hours', async () => ({
    method: 'PUT', path: `/api/v1/agencies/${STP}/working-hours`, headers: cookie(await signedIn(srv, 'stp.quantri')),
    body: { effective_from: '2099-01-01', working_hours: [[], ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'],
      ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'], ['07:30-11:30', '13:00-17:00'], ['07:30-11:30']] },
  }), 200],

  // citizen feedback (decisions §42): the settings, a report with a photo, the intake point's
  // acceptance and a blur, following
  ['PUT /api/v1/feedback-settings', async () => ({
    method: 'PUT', path: '/api/v1/feedback-settings', headers: admin, body: { reopen_days: 11 },
  }), 200],
  ['POST /api/v1/feedback', async () => {
    state.reporter = await signedIn(srv, 'nguoidan1');
    return { method: 'POST', path: '/api/v1/feedback', headers: cookie(state.reporter), body: {
      category: 'rac-thai', title: 'Rác tồn đọng', description: 'Rác ba ngày chưa thu gom.', lat: 21.287932, lon: 106.220648,
    } };
  }, 201, { after: (r) => { state.fb = r.body.code; } }],
  ['POST /api/v1/feedback/{code}/photos', async () => ({
    method: 'POST', path: `/api/v1/feedback/${state.fb}/photos?filename=anh.jpg`, headers: cookie(state.reporter),
    raw: readFileSync(new URL('../fuzz/corpus/image_inspect/gps.jpg', import.meta.url)), type: 'image/jpeg',
  }), 201],
  ['POST /api/v1/feedback/{code}/actions', async () => {
    state.ioc = await signedIn(srv, 'ioc.canbo1');
    return { method: 'POST', path: `/api/v1/feedback/${state.fb}/actions`, headers: cookie(state.ioc), body: { action: 'accept' } };
  }, 200],
  ['POST /api/v1/feedback/{code}/photos/{n}/blur', async () => ({
    method: 'POST', path: `/api/v1/feedback/${state.fb}/photos/1/blur`, headers: cookie(state.ioc), body: { rects: [{ left: 0, top: 0, width: 4, height: 4 }] },
  }), 200],
  ['PUT /api/v1/feedback/{code}/follow', async () => {
    state.follower = await signedIn(srv, 'nguoidan2');
    return { method: 'PUT', path: `/api/v1/feedback/${state.fb}/follow`, headers: cookie(state.follower) };
  }, 200],
  ['DELETE /api/v1/feedback/{code}/follow', async () => ({
    method: 'DELETE', path: `/api/v1/feedback/${state.fb}/follow`, headers: cookie(state.follower),
  }), 200],

  ['POST /api/v1/feedback-templates', async () => {
    state.sxdLead = await signedIn(srv, 'sxd.lanhdao');
    return { method: 'POST', path: '/api/v1/feedback-templates', headers: cookie(state.sxdLead), body: { agency: '000.00.04.H06', title: 'Mẫu', body: 'Nội dung mẫu trả lời.' } };
  }, 201, { after: (r) => { state.tpl = r.body.id; } }],
  ['DELETE /api/v1/feedback-templates/{id}', async () => ({
    method: 'DELETE', path: `/api/v1/feedback-templates/${state.tpl}`, headers: cookie(state.sxdLead),
  }), 204],
  // without signing in (the setting on): a code, a report with it, a photo and a rating by its token
  ['POST /api/v1/public/feedback-otp', async () => {
    const on = await srv.json('/api/v1/feedback-settings', { method: 'PUT', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify({ anonymous: true }) });
    assert.equal(on.status, 200);
    return { method: 'POST', path: '/api/v1/public/feedback-otp', body: { phone: '0912000222' } };
  }, 202],
  ['POST /api/v1/public/feedback', async () => {
    const body = sql("SELECT body FROM outbox WHERE recipient = '0912000222' AND topic = 'feedback.otp' ORDER BY id DESC LIMIT 1");
    const code = /\b(\d{6})\b/.exec(body)[1];
    return { method: 'POST', path: '/api/v1/public/feedback', body: {
      category: 'chieu-sang', title: 'Đèn hỏng', description: 'Đèn đường không sáng.', lat: 21.287932, lon: 106.220648, phone: '0912000222', otp: code,
    } };
  }, 201, { after: (r) => { state.anon = r.body.code; state.anonToken = r.body.token; } }],
  ['POST /api/v1/public/feedback/{code}/photos', async () => ({
    method: 'POST', path: `/api/v1/public/feedback/${state.anon}/photos?filename=anh.jpg`, headers: { 'X-Report-Token': state.anonToken },
    raw: readFileSync(new URL('../fuzz/corpus/image_inspect/gps.jpg', import.meta.url)), type: 'image/jpeg',
  }), 201],
  ['POST /api/v1/public/feedback/{code}/actions', async () => {
    const ioc = await signedIn(srv, 'ioc.canbo1');
    const xa = await signedIn(srv, 'xa1.canbo');
    for (const [s, b] of [[ioc, { action: 'accept' }], [xa, { action: 'answer', answer: 'Đã thay bóng.' }]]) {
      const r = await srv.json(`/api/v1/feedback/${state.anon}/actions`, { method: 'POST', headers: { ...cookie(s), 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    return { method: 'POST', path: `/api/v1/public/feedback/${state.anon}/actions`, body: { action: 'rate', rating: 4, token: state.anonToken } };
  }, 200],

  ['DELETE /api/v1/me/sessions/{id}', async () => {
    const here = await signedIn(srv, 'stp.canbo1');
    const other = await signedIn(srv, 'stp.canbo1');
    const mine = await srv.json('/api/v1/me/sessions', { headers: cookie(other) });
    const id = mine.body.items.find((x) => x.current).id;
    return { method: 'DELETE', path: `/api/v1/me/sessions/${id}`, headers: cookie(here) };
  }, 204],
  ['DELETE /api/v1/me/sessions', async () => {
    const here = await signedIn(srv, 'syt.canbo1');
    await signedIn(srv, 'syt.canbo1');
    return { method: 'DELETE', path: '/api/v1/me/sessions', headers: cookie(here) };
  }, 200],

  // the second factor (decisions §29): nguoidan2 opts in, signs in with it, removes it
  ['POST /api/v1/me/mfa/totp', async () => {
    state.mfa = await signedIn(srv, 'nguoidan2');
    return { method: 'POST', path: '/api/v1/me/mfa/totp', headers: cookie(state.mfa) };
  }, 201, { after: (r) => { state.secret = r.body.secret; } }],
  ['POST /api/v1/me/mfa/totp/confirm', async () => {
    state.step = nowStep();
    return { method: 'POST', path: '/api/v1/me/mfa/totp/confirm', headers: cookie(state.mfa), body: { code: totp(state.secret, state.step) } };
  }, 200, { after: (r) => { state.codes = r.body.recovery_codes; } }],
  ['POST /api/v1/auth/login/mfa', async () => {
    const r = await login(srv, 'nguoidan2');
    return { method: 'POST', path: '/api/v1/auth/login/mfa', body: { challenge: r.body.challenge, code: totp(state.secret, state.step + 1) } };
  }, 200],
  ['POST /api/v1/me/mfa/remove', async () => ({
    method: 'POST', path: '/api/v1/me/mfa/remove', headers: cookie(state.mfa), body: { recovery_code: state.codes[0] },
  }), 204],
  ['DELETE /api/v1/accounts/{id}/mfa', async () => {
    const s = await signedIn(srv, 'nguoidan1');
    const b = await srv.json('/api/v1/me/mfa/totp', { method: 'POST', headers: cookie(s) });
    const c = await srv.json('/api/v1/me/mfa/totp/confirm', {
      method: 'POST', headers: { ...cookie(s), 'Content-Type': 'application/json' }, body: JSON.stringify({ code: totp(b.body.secret) }),
    });
    assert.equal(c.status, 200);
    return { method: 'DELETE', path: `/api/v1/accounts/${s.body.account.id}/mfa`, headers: admin };
  }, 204],
  // temporary secrets: a single-use reset link, made and used
  ['POST /api/v1/accounts/{id}/password-reset', async () => ({
    method: 'POST', path: `/api/v1/accounts/${await idOf('stp.canbo1')}/password-reset`, headers: admin,
  }), 201],
  // Open311: a form body with an api_key (a token made for open311); its use
  // is recorded once a minute in a write of its own, on purpose, like a
  // session's: pinned in the future around every attempt
  ['POST /open311/v2/requests.{format}', async () => {
    const t = await srv.json('/api/v1/tokens', {
      method: 'POST', headers: { ...cookie(await signedIn(srv, 'quantri')), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ứng dụng thử lỗi', purpose: 'open311', agency_code: '000.21.01.H06', permissions: ['officer'] }),
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const form = new URLSearchParams({
      api_key: t.body.token, service_code: 'cay-xanh', lat: '21.186', long: '106.076', 'attribute[chan-duong]': 'co',
      description: 'Cây đổ (thử lỗi)', email: 'thu.loi@example.vn', first_name: 'Thử', last_name: 'Lỗi',
    });
    return { method: 'POST', path: '/open311/v2/requests.json', raw: form.toString(), type: 'application/x-www-form-urlencoded' };
  }, 200, { reset: 'UPDATE api_tokens SET last_used_at = 4102444800' }],
  ['POST /api/v1/auth/password-reset', async () => {
    const l = await srv.admin(`/api/v1/accounts/${await idOf('stp.canbo1')}/password-reset`, 'POST');
    return { method: 'POST', path: '/api/v1/auth/password-reset', body: { token: l.body.token, new_password: 'đèo Hải Vân mây phủ' } };
  }, 204],
];

async function idOf(username) {
  const r = await srv.admin(`/api/v1/accounts?q=${encodeURIComponent(username)}&limit=200`, 'GET');
  const a = r.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username}`);
  return a.id;
}

test('every write endpoint of the API (docs/openapi.json) is driven here', async () => {
  const spec = await srv.json('/api/v1/openapi.json');
  assert.equal(spec.status, 200);
  const writes = [];
  for (const [path, ops] of Object.entries(spec.body.paths || {}))
    for (const m of Object.keys(ops)) if (['post', 'patch', 'put', 'delete'].includes(m)) writes.push(`${m.toUpperCase()} ${path}`);
  const driven = new Set(cases.map(([name]) => name.replace(/ \(.*\)$/, '')));
  const missing = writes.filter((w) => !driven.has(w));
  assert.deepEqual(missing, [], 'write endpoints without a fault test');
  assert.ok(writes.length >= 14, `${writes.length} write endpoints`);
});

for (const [name, make, okStatus, opts] of cases) {
  test(`${name}: every failing storage call fails the request cleanly and changes nothing`, async (t) => {
    if (!faultsBuild) return t.skip('not a TINHSO_FAULTS build');
    const req = await make();
    const { r, steps } = await everyFault(name, req, okStatus, opts);
    if (name === 'POST /api/v1/tokens') state.tokenId = r.body.id;
    opts?.after?.(r);
    t.diagnostic(`${steps} storage calls`);
  });
}

test('after all that the audit chain verifies', async (t) => {
  if (!faultsBuild) return t.skip('not a TINHSO_FAULTS build');
  assert.ok(auditCount(srv.db.url) >= cases.length);
});

test('the fault header does nothing in a build without fault injection', async (t) => {
  if (faultsBuild) return t.skip('a TINHSO_FAULTS build');
  const r = await send({ method: 'PATCH', path: '/api/v1/units/24', headers: admin, body: { name_en: 'x' } }, 'commit');
  assert.equal(r.status, 200);
  assert.equal(r.fired, false);
});
