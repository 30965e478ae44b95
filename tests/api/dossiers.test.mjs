// Dossiers over HTTP, end to end on a real server (SQLite, or PostgreSQL
// with TINHSO_TEST_PG): a citizen files the judicial record procedure
// (2.000488: received by the public administration service centre,
// processed by Sở Tư pháp in four steps) online with two papers; the centre
// receives it (the deadline is the calendar's own answer for the centre's
// hours), the department asks for a supplement (the clock stops), the
// citizen supplements, the leader approves, the centre finishes and returns
// it; the public lookup shows the history and the pause without personal
// data. Around that path: the wrong role and the wrong agency, transitions
// the status does not allow, a stale revision and two officers at once,
// double submits, hostile uploads, codes under concurrent filings from two
// processes, a failed filing that must not use a number, and a flood of
// lookups for codes that do not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as, rawRequest } from './lib/helpers.mjs';
import { startServer, backend } from './lib/server.mjs';
import { makePdf, makeObjStmPdf, PNG, ELF, HTML, sha256 } from './lib/files.mjs';

const fx = serverForFile();
const USERS = ['nguoidan1', 'nguoidan2', 'ttpvhcc.canbo1', 'ttpvhcc.canbo2', 'ttpvhcc.lanhdao', 'stp.canbo1',
  'stp.canbo2', 'stp.lanhdao', 'syt.canbo1', 'xa1.canbo', 'xa2.canbo'];
const CENTRE = '000.20.01.H06';
const STP = '000.00.03.H06';
const LLTP = '2.000488'; // Cấp Phiếu lý lịch tư pháp: 10 working days, 4 steps
const CODE_RE = new RegExp(`^${CENTRE.replace(/\./g, '\\.')}-\\d{6}-\\d{4}$`);

const sessions = {};
async function sess(user) {
  if (!sessions[user]) sessions[user] = await signedIn(fx.srv, user);
  return sessions[user];
}
// every sign-in first, where a test counts audit entries: each is one
async function signInAll() { for (const u of USERS) await sess(u); }
async function act(user, code, body, extra) {
  return as(fx.srv, await sess(user), `/api/v1/dossiers/${code}/actions`, 'POST', body, extra);
}
// POST bytes as a file of a draft (or of a dossier, when target is a code).
async function upload(user, target, bytes, { filename, component = 0, kind, type = 'application/pdf', reuse } = {}) {
  const s = await sess(user);
  const q = new URLSearchParams();
  if (filename) q.set('filename', filename);
  q.set('component', String(component));
  if (kind) q.set('kind', kind);
  if (reuse) q.set('reuse', reuse);
  const base = typeof target === 'number' ? `/api/v1/drafts/${target}` : `/api/v1/dossiers/${target}`;
  const headers = { Cookie: `tinhso_session=${s.cookie}`, 'X-CSRF-Token': s.csrf };
  if (type) headers['Content-Type'] = type;
  return fx.srv.json(`${base}/files?${q}`, { method: 'POST', headers, body: bytes });
}
async function draft(user = 'nguoidan1', body = {}) {
  const r = await as(fx.srv, await sess(user), '/api/v1/drafts', 'POST', { procedure: LLTP, applicant_id_number: '001190012345', ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
// A submitted dossier of nguoidan1's (its tờ khai attached).
async function filed(user = 'nguoidan1') {
  const d = await draft(user);
  const up = await upload(user, d.id, makePdf(`To khai ${Date.now()} ${Math.random()}`), { filename: 'tờ khai.pdf' });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const r = await as(fx.srv, await sess(user), `/api/v1/drafts/${d.id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
// Counter intake by the centre's officer.
async function intake(body = {}, extra = {}, user = 'ttpvhcc.canbo1') {
  return as(fx.srv, await sess(user), '/api/v1/dossiers', 'POST', {
    procedure: LLTP, channel: 'counter', applicant_name: 'Lê Thị Mai', applicant_id_number: '027185001234', ...body,
  }, extra);
}

test('a citizen files online with two papers; the centre and the department process it; the lookup shows its history', async () => {
  await signInAll();
  const citizen = await sess('nguoidan1');
  const a0 = auditCount(fx.srv.db.url);
  const d = await draft();
  assert.equal(d.status_word, 'draft');
  assert.equal(d.code, null);
  assert.equal(d.receiving.code, CENTRE);
  assert.equal(d.implementing.code, STP);
  assert.equal(d.applicant.name, 'Nguyễn Thị Thu', 'the applicant defaults to the account');
  assert.equal(d.components.length, 2);

  // the task list: the declaration is missing
  let r = await as(fx.srv, citizen, `/api/v1/drafts/${d.id}/submit`, 'POST');
  assertProblem(r, 422, 'components');
  assert.match(r.body.errors[0].message, /Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp/);

  const pdf = makePdf(`To khai LLTP ${Date.now()}`);
  r = await upload('nguoidan1', d.id, pdf, { filename: 'Tờ khai LLTP.pdf' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.sha256, sha256(pdf));
  r = await upload('nguoidan1', d.id, PNG, { filename: 'cccd.png', component: 1, type: 'image/png' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.media_type, 'image/png');

  r = await as(fx.srv, citizen, `/api/v1/drafts/${d.id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  assert.match(code, CODE_RE);
  assert.equal(r.body.status, 1);
  assert.equal(r.body.channel_code, 2);
  assert.equal(r.body.files.length, 2);
  // a double submit files one dossier
  const again = await as(fx.srv, citizen, `/api/v1/drafts/${d.id}/submit`, 'POST');
  assert.equal(again.status, 200);
  assert.equal(again.body.code, code);

  // the centre receives: the deadline is the calendar's, with the centre's hours
  r = await act('ttpvhcc.canbo1', code, { action: 'receive', rev: r.body.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'received');
  const from = r.body.received_at.slice(0, 16);
  const dl = await fx.srv.json(`/api/v1/calendar/deadline?from=${from}&working_days=10&agency=${CENTRE}`);
  assert.equal(r.body.due_at, dl.body.due);
  assert.equal(r.body.counted_from, dl.body.counted_from);
  assert.equal(r.body.total_minutes, 4800);
  assert.deepEqual(r.body.actions.includes('forward'), true);

  r = await act('ttpvhcc.canbo1', code, { action: 'forward', rev: r.body.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'processing');
  assert.equal(r.body.step, 1);
  assert.equal(r.body.handler, STP);

  // the department asks for a supplement: the clock stops
  r = await act('stp.canbo1', code, { action: 'request_supplement', reason: 'Tờ khai chưa có chữ ký', rev: r.body.rev });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'supplement_requested');
  assert.equal(r.body.due_at, null);
  assert.equal(r.body.pauses.length, 1);
  assert.equal(r.body.pauses[0].to, null);
  // the citizen adds the signed declaration and supplements
  r = await upload('nguoidan1', code, makePdf(`To khai co chu ky ${Date.now()}`), { filename: 'tờ khai đã ký.pdf' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await act('nguoidan1', code, { action: 'supplement' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'processing');
  assert.ok(r.body.due_at >= dl.body.due, 'the pause moves the due instant on, never back');
  assert.notEqual(r.body.pauses[0].to, null);

  r = await act('stp.canbo1', code, { action: 'forward' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.step, 2);
  assert.equal(r.body.handler_role, 'leader');
  // an officer cannot take the leader's step
  const denied = await act('stp.canbo2', code, { action: 'forward' });
  assertProblem(denied, 403);
  r = await act('stp.lanhdao', code, { action: 'forward' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.step, 3);
  assert.equal(r.body.handler, CENTRE);
  // the last step cannot forward; finishing needs a result number and signer
  r = await act('ttpvhcc.canbo1', code, { action: 'forward' });
  assertProblem(r, 409);
  r = await act('ttpvhcc.canbo1', code, { action: 'finish' });
  assertProblem(r, 422, 'result_number');
  r = await act('ttpvhcc.canbo1', code, { action: 'finish', result_number: '1234/LLTP-STP', signer: 'Hoàng Văn Em' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'done');
  r = await act('ttpvhcc.canbo1', code, { action: 'return', way: 'online' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 10);
  assert.equal(r.body.return_way, 'online');
  assert.equal(r.body.late, false);
  assert.deepEqual(r.body.actions, []);
  // a supplement after it is done: refused, nothing changes
  r = await act('nguoidan1', code, { action: 'supplement' });
  assertProblem(r, 409);

  // the public lookup: no sign-in, no personal data, the history and the pause
  const pub = await fx.srv.json(`/api/v1/public/dossiers/${code}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.status_word, 'returned');
  assert.equal(pub.body.procedure.code, LLTP);
  assert.deepEqual(pub.body.history.map((e) => e.action),
    ['submit', 'receive', 'forward', 'request_supplement', 'supplement', 'forward', 'forward', 'finish', 'return']);
  assert.equal(pub.body.pauses.length, 1);
  const text = JSON.stringify(pub.body);
  for (const secret of ['Nguyễn Thị Thu', '001190012345', 'applicant', 'chữ ký', 'user:', 'Hoàng Văn Em', 'files'])
    assert.ok(!text.includes(secret), `the lookup shows no ${secret}`);
  // the owner sees everything
  const own = await as(fx.srv, citizen, `/api/v1/dossiers/${code}`);
  assert.equal(own.status, 200);
  assert.equal(own.body.applicant.id_number, '001190012345');
  assert.equal(own.body.files.length, 3);
  assert.equal(own.body.history[3].reason, 'Tờ khai chưa có chữ ký');
  const mine = await as(fx.srv, citizen, '/api/v1/me/dossiers');
  assert.ok(mine.body.items.some((x) => x.code === code));
  // the owner rates it, once; nobody else may
  assertProblem(await act('nguoidan2', code, { action: 'rate', rating: 5 }), 404);
  assertProblem(await act('ttpvhcc.canbo1', code, { action: 'rate', rating: 5 }), 403);
  assertProblem(await act('nguoidan1', code, { action: 'rate', rating: 6 }), 422, 'rating');
  assertProblem(await act('nguoidan1', code, { action: 'rate' }), 422, 'rating');
  r = await act('nguoidan1', code, { action: 'rate', rating: 4 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.rating, 4);
  assertProblem(await act('nguoidan1', code, { action: 'rate', rating: 1 }), 409);
  // each change one audit entry: draft, 2 files, submit, 8 actions, 1 file, the rating
  assert.equal(auditCount(fx.srv.db.url), a0 + 1 + 2 + 1 + 8 + 1 + 1);
});

test('the files: the owner downloads them; anyone else finds nothing; lies and hostile files are refused', async () => {
  await signInAll();
  const d = await draft();
  const pdf = makePdf(`Ban khai ${Date.now()}`);
  let r = await upload('nguoidan1', d.id, pdf, { filename: 'bản khai.pdf' });
  assert.equal(r.status, 201);
  const own = await sess('nguoidan1');
  const dl = await fx.srv.fetch(`/api/v1/drafts/${d.id}/files/${sha256(pdf)}`, { headers: { Cookie: `tinhso_session=${own.cookie}` } });
  assert.equal(dl.status, 200);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), pdf);
  assert.match(dl.headers.get('content-disposition'), /filename\*=UTF-8''b%E1%BA%A3n%20khai\.pdf/);
  assert.match(dl.headers.get('cache-control'), /no-store/);
  // another citizen: the draft does not exist for them
  const other = await sess('nguoidan2');
  r = await as(fx.srv, other, `/api/v1/drafts/${d.id}`);
  assertProblem(r, 404);
  const dl2 = await fx.srv.fetch(`/api/v1/drafts/${d.id}/files/${sha256(pdf)}`, { headers: { Cookie: `tinhso_session=${other.cookie}` } });
  assert.equal(dl2.status, 404);
  r = await upload('nguoidan2', d.id, makePdf('x'), { filename: 'x.pdf' });
  assertProblem(r, 404);

  const before = (await as(fx.srv, own, `/api/v1/drafts/${d.id}`)).body.files.length;
  const a0 = auditCount(fx.srv.db.url);
  // a PNG named .pdf; a PDF sent as image/png; an empty file; a program; a web page; a PDF that runs code
  assertProblem(await upload('nguoidan1', d.id, PNG, { filename: 'giay-to.pdf', type: 'application/octet-stream' }), 422, 'filename');
  assertProblem(await upload('nguoidan1', d.id, makePdf('y'), { filename: 'y.png', type: 'image/png' }), 415);
  assertProblem(await upload('nguoidan1', d.id, Buffer.alloc(0), { filename: 'rong.pdf' }), 422);
  assertProblem(await upload('nguoidan1', d.id, ELF, { filename: 'a.pdf', type: null }), 422);
  assertProblem(await upload('nguoidan1', d.id, HTML, { filename: 'a.pdf', type: null }), 422);
  const js = Buffer.from(makePdf('z').toString('latin1').replace('/Type /Catalog', '/Type /Catalog /OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>'), 'latin1');
  r = await upload('nguoidan1', d.id, js, { filename: 'z.pdf' });
  assertProblem(r, 422);
  assert.match(r.body.errors?.[0]?.message || r.body.detail, /JavaScript|JS/);
  // the same hidden in a compressed object stream (PDF 1.5), escaped or not; a stream that cannot be read
  for (const catalog of ['/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ', '/OpenAction << /S /Launch /F (cmd.exe) >> ', '/Names << /Embedded#46iles 9 0 R >> ']) {
    r = await upload('nguoidan1', d.id, makeObjStmPdf({ catalog }), { filename: 'nen.pdf' });
    assertProblem(r, 422);
    assert.match(r.body.errors?.[0]?.message || r.body.detail, /nội dung thực thi \(\/(JavaScript|JS|Launch|EmbeddedFiles)\)/);
  }
  r = await upload('nguoidan1', d.id, makeObjStmPdf({ raw: Buffer.from('not zlib at all') }), { filename: 'hong.pdf' });
  assertProblem(r, 422);
  assert.match(r.body.errors?.[0]?.message || r.body.detail, /luồng đối tượng nén không đọc được/);
  // eleven megabytes: over the limit of a file, refused from the header alone
  const raw = await rawRequest(fx.srv.port, {
    method: 'POST', path: `/api/v1/drafts/${d.id}/files?filename=big.pdf&component=0`,
    headers: { Cookie: `tinhso_session=${own.cookie}`, 'X-CSRF-Token': own.csrf, 'Content-Type': 'application/pdf', 'Content-Length': 11 << 20 },
    write: (req) => { req.on('error', () => {}); req.flushHeaders(); },
  });
  assert.equal(raw.status, 413, raw.error || raw.body);
  // a clean PDF 1.5 with an object stream is taken (and then removed again)
  r = await upload('nguoidan1', d.id, makeObjStmPdf(), { filename: 'sach.pdf' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await as(fx.srv, own, `/api/v1/drafts/${d.id}/files/${r.body.id}`, 'DELETE')).status, 204);
  // a paper the procedure does not have
  assertProblem(await upload('nguoidan1', d.id, makePdf('w'), { filename: 'w.pdf', component: 7 }), 422, 'component');
  assert.equal((await as(fx.srv, own, `/api/v1/drafts/${d.id}`)).body.files.length, before, 'nothing was added');
  assert.equal(auditCount(fx.srv.db.url), a0 + 2, 'nothing was written but the clean paper, added and removed');
});

test('a paper filed before is reused from the document store instead of uploaded again', async () => {
  const first = await filed();
  const docs = await as(fx.srv, await sess('nguoidan1'), '/api/v1/me/documents');
  assert.equal(docs.status, 200);
  const paper = first.files[0];
  assert.ok(docs.body.items.some((f) => f.sha256 === paper.sha256));
  const d = await draft();
  let r = await upload('nguoidan1', d.id, undefined, { reuse: paper.sha256, type: null });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.reused_from, first.code);
  assert.equal(r.body.filename, paper.filename);
  // another person's paper is not in my store
  r = await upload('nguoidan2', (await draft('nguoidan2')).id, undefined, { reuse: paper.sha256, type: null });
  assertProblem(r, 422, 'reuse');
  r = await as(fx.srv, await sess('nguoidan1'), `/api/v1/drafts/${d.id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.files[0].reused_from, first.code);
});

test('the wrong agency finds nothing; the wrong role is refused; nothing changes', async () => {
  await signInAll();
  const d = await filed();
  const a0 = auditCount(fx.srv.db.url);
  // Sở Y tế and a commune: the dossier does not exist for them
  for (const u of ['syt.canbo1', 'xa1.canbo', 'nguoidan2']) {
    assertProblem(await as(fx.srv, await sess(u), `/api/v1/dossiers/${d.code}`), 404);
    assertProblem(await act(u, d.code, { action: 'receive' }), 404);
  }
  // Sở Tư pháp implements it and may read it, but the centre receives it
  const stp = await as(fx.srv, await sess('stp.canbo1'), `/api/v1/dossiers/${d.code}`);
  assert.equal(stp.status, 200);
  assert.deepEqual(stp.body.actions, []);
  assertProblem(await act('stp.canbo1', d.code, { action: 'receive' }), 403);
  // the owner cannot receive their own dossier
  assertProblem(await act('nguoidan1', d.code, { action: 'receive' }), 403);
  // a leader of the centre is not an officer
  assertProblem(await act('ttpvhcc.lanhdao', d.code, { action: 'receive' }), 403);
  const now = await as(fx.srv, await sess('nguoidan1'), `/api/v1/dossiers/${d.code}`);
  assert.equal(now.body.status_word, 'submitted');
  assert.equal(now.body.rev, d.rev);
  assert.equal(auditCount(fx.srv.db.url), a0);
  // the staff's queue: the centre sees it, Sở Y tế does not
  const q = await as(fx.srv, await sess('ttpvhcc.canbo1'), '/api/v1/dossiers?status=submitted&limit=200');
  assert.ok(q.body.items.some((x) => x.code === d.code));
  const q2 = await as(fx.srv, await sess('syt.canbo1'), '/api/v1/dossiers?queue=all&limit=200');
  assert.ok(!q2.body.items.some((x) => x.code === d.code));
  assertProblem(await as(fx.srv, await sess('nguoidan1'), '/api/v1/dossiers'), 403);
});

test('transitions the status does not allow, missing reasons, a stale revision: 409/422 and nothing changes', async () => {
  const d = await filed();
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'return' }), 409);
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'forward' }), 409);
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'refuse' }), 422, 'reason');
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'fly' }), 422, 'action');
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'receive', rev: d.rev + 5 }), 409);
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'receive' }, { 'If-Match': `"${d.rev + 1}"` }), 409);
  let r = await act('ttpvhcc.canbo1', d.code, { action: 'receive', rev: d.rev });
  assert.equal(r.status, 200);
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'receive' }), 409);
  assertProblem(await act('ttpvhcc.canbo1', d.code, { action: 'send_back', reason: 'x' }), 409);
  // a second supplement request counts as late: the officer must confirm it
  r = await act('ttpvhcc.canbo1', d.code, { action: 'request_supplement', reason: 'Thiếu bản sao' });
  assert.equal(r.status, 200);
  r = await act('nguoidan1', d.code, { action: 'supplement' });
  assert.equal(r.status, 200);
  r = await act('ttpvhcc.canbo1', d.code, { action: 'request_supplement', reason: 'Lại thiếu' });
  assertProblem(r, 409, 'confirm_late');
  assert.match(r.body.errors[0].message, /766/);
  r = await act('ttpvhcc.canbo1', d.code, { action: 'request_supplement', reason: 'Lại thiếu', confirm_late: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.supplements, 2);
  // the owner withdraws it while it waits; the open pause is closed
  r = await act('nguoidan1', d.code, { action: 'withdraw' });
  assert.equal(r.status, 200);
  assert.equal(r.body.status_word, 'withdrawn');
  assert.ok(r.body.pauses.every((p) => p.to));
  assertProblem(await act('nguoidan1', d.code, { action: 'supplement' }), 409);
});

test('two officers receive the same dossier at once: one wins, the other gets 409', async () => {
  const d = await filed();
  const [a, b] = await Promise.all([
    act('ttpvhcc.canbo1', d.code, { action: 'receive', rev: d.rev }),
    act('ttpvhcc.canbo2', d.code, { action: 'receive', rev: d.rev }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  const r = await as(fx.srv, await sess('ttpvhcc.canbo1'), `/api/v1/dossiers/${d.code}`);
  assert.equal(r.body.history.filter((e) => e.action === 'receive').length, 1);
});

test('fees, assignment, extension, refusal and stop', async () => {
  let r = await intake();
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  assert.equal(r.body.status_word, 'received', 'counter intake receives at once');
  assert.equal(r.body.channel_code, 1);
  assert.ok(r.body.due_at);
  // the fee from the procedure's case (200,000 đ), paid at the counter
  r = await act('ttpvhcc.canbo1', code, { action: 'fee_due' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 6);
  assert.equal(r.body.fee_vnd, 200000);
  // paid by bank transfer, confirmed by an officer (the manual payment adapter): the
  // bank's reference is needed; an online payment is never confirmed at the desk
  assertProblem(await act('ttpvhcc.canbo2', code, { action: 'pay', way: 'bank_transfer' }), 422, 'reference');
  assertProblem(await act('ttpvhcc.canbo2', code, { action: 'pay', way: 'online' }), 422, 'way');
  assertProblem(await act('nguoidan1', code, { action: 'pay', way: 'counter' }), 404);
  r = await act('ttpvhcc.canbo2', code, { action: 'pay', way: 'bank_transfer', reference: 'FT26337912345' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status_word, 'received');
  assert.equal(r.body.payment_way, 'bank_transfer');
  assert.equal(r.body.payments.length, 1);
  assert.deepEqual({ ...r.body.payments[0], paid_at: undefined }, {
    seq: 1, amount_vnd: 200000, way: 'bank_transfer', provider: 'manual', online: false, reference: 'FT26337912345',
    receipt_no: `${code}/1`, paid_at: undefined, confirmed_by: r.body.payments[0].confirmed_by,
  });
  assert.ok(r.body.payments[0].confirmed_by, 'who confirmed it');
  assertProblem(await act('ttpvhcc.canbo2', code, { action: 'pay', way: 'counter' }), 409);
  r = await act('ttpvhcc.canbo1', code, { action: 'forward' });
  assert.equal(r.status, 200);
  // Sở Tư pháp's leader assigns it to an officer; another officer may no longer act on it
  const cuong = (await sess('stp.canbo1')).body.account.id;
  assertProblem(await act('stp.lanhdao', code, { action: 'assign', assignee: (await sess('syt.canbo1')).body.account.id }), 422, 'assignee');
  r = await act('stp.lanhdao', code, { action: 'assign', assignee: cuong });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.assignee.id, cuong);
  assertProblem(await act('stp.canbo2', code, { action: 'request_supplement', reason: 'x' }), 403);
  const mine = await as(fx.srv, await sess('stp.canbo1'), '/api/v1/dossiers?queue=mine');
  assert.ok(mine.body.items.some((x) => x.code === code));
  // an extension with a new appointment, once
  const due = r.body.due_at;
  assertProblem(await act('stp.canbo1', code, { action: 'extend', reason: 'Cần xác minh thêm', new_due: '2020-01-01T08:00' }), 422, 'new_due');
  const later = new Date(Date.parse(due) + 5 * 86400e3 + 7 * 3600e3).toISOString().slice(0, 16);
  r = await act('stp.canbo1', code, { action: 'extend', reason: 'Cần xác minh thêm', new_due: later });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.extended, true);
  assert.equal(r.body.original_due, due);
  assert.equal(r.body.due_at, `${later}+07:00`);
  assertProblem(await act('stp.canbo1', code, { action: 'extend', reason: 'Lần nữa', new_due: later }), 409);
  // the department's leader stops it, with a reason
  assertProblem(await act('stp.lanhdao', code, { action: 'stop' }), 422, 'reason');
  assertProblem(await act('stp.canbo1', code, { action: 'stop', reason: 'x' }), 403);
  r = await act('stp.lanhdao', code, { action: 'stop', reason: 'Người yêu cầu không đủ điều kiện' });
  assert.equal(r.status, 200);
  assert.equal(r.body.status_word, 'stopped');
  // a refusal at intake
  const d = await filed();
  r = await act('ttpvhcc.canbo1', d.code, { action: 'refuse', reason: 'Hồ sơ không thuộc thẩm quyền' });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 3);
});

test('intake: the same Idempotency-Key files one dossier; the applicant is named; a commune procedure needs its commune', async () => {
  const key = `k-${Date.now()}`;
  const [a, b] = await Promise.all([intake({}, { 'Idempotency-Key': key }), intake({}, { 'Idempotency-Key': key })]);
  assert.deepEqual([a.status, b.status].sort(), [200, 201]);
  assert.equal(a.body.code, b.body.code);
  assertProblem(await intake({ applicant_name: undefined }), 422, 'applicant_name');
  assertProblem(await intake({ applicant_id_number: '12ab' }), 422, 'applicant_id_number');
  assertProblem(await intake({ channel: 'fax' }), 422, 'channel');
  assertProblem(await intake({ procedure: '9.999999' }), 422, 'procedure');
  assertProblem(await intake({ receiving: '000.00.07.H06' }), 422, 'receiving');
  // Sở Y tế's officer cannot take dossiers in at the centre
  assertProblem(await intake({}, {}, 'syt.canbo1'), 403);
  // birth registration is a commune's: the commune is needed, and its officer takes it in
  assertProblem(await intake({ procedure: '1.001193' }, {}, 'xa1.canbo'), 422, 'unit');
  const units = await fx.srv.json('/api/v1/agencies?kind=commune_committee&limit=1');
  const commune = units.body.items[0];
  const r = await intake({ procedure: '1.001193', unit: commune.unit_code }, {}, 'xa1.canbo');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.body.code.startsWith(`${commune.code}-`));
  assertProblem(await intake({ procedure: '1.001193', unit: commune.unit_code }, {}, 'xa2.canbo'), 403);
});

test('codes: concurrent filings from two processes get consecutive numbers, none twice; a failed filing uses none', async () => {
  // a second server process on the same database
  const two = await startServer({ db: fx.srv.db, demo: false, keepDb: true });
  try {
    const s2 = await signedIn(two, 'ttpvhcc.canbo2');
    const s1 = await sess('ttpvhcc.canbo1');
    const body = JSON.stringify({ procedure: LLTP, channel: 'post', applicant_name: 'Đỗ Văn Nam' });
    const send = (srv, s) => srv.json('/api/v1/dossiers', {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/json', Cookie: `tinhso_session=${s.cookie}`, 'X-CSRF-Token': s.csrf },
    });
    const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? send(two, s2) : send(fx.srv, s1))));
    for (const r of rs) assert.equal(r.status, 201, JSON.stringify(r.body));
    const nums = rs.map((r) => Number(r.body.code.split('-')[2])).sort((a, b) => a - b);
    assert.equal(new Set(nums).size, 24, 'no number twice');
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1, 'no number skipped');
    // a filing that fails at its commit gives its number back
    const f = await fx.srv.json('/api/v1/dossiers', {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/json', Cookie: `tinhso_session=${s1.cookie}`, 'X-CSRF-Token': s1.csrf, 'X-Tinhso-Fault': 'commit' },
    });
    if (f.headers.get('x-tinhso-fault') === 'fired') assert.ok(f.status >= 500);
    const next = await send(fx.srv, s1);
    assert.equal(Number(next.body.code.split('-')[2]), nums.at(-1) + 1);
  } finally {
    await two.stop();
  }
});

test('the lookup: a malformed or unknown code is 404; a flood of unknown codes from one address is stopped', async () => {
  let r = await fx.srv.json('/api/v1/public/dossiers/abc');
  assertProblem(r, 404, 'code');
  r = await fx.srv.json(`/api/v1/public/dossiers/${CENTRE}-261202-9999`);
  assertProblem(r, 404);
  // a draft is nobody's business
  const d = await draft();
  assert.equal(d.code, null);
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const x = await fx.srv.json(`/api/v1/public/dossiers/${CENTRE}-250101-${String(1000 + i)}`);
    if (x.status === 429) limited = x;
    else assert.equal(x.status, 404);
  }
  assert.ok(limited, 'the flood is rate limited');
  assertProblem(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  // while limited, even a real code waits (the address is the scanner's)
  const real = await filed();
  assert.equal((await fx.srv.json(`/api/v1/public/dossiers/${real.code}`)).status, 429);
});

test('drafts: the owner changes and deletes them; a bad case or commune is named', async () => {
  const own = await sess('nguoidan1');
  const d = await draft();
  let r = await as(fx.srv, own, `/api/v1/drafts/${d.id}`, 'PATCH', { applicant_phone: '0912 345 678', form: { muc_dich: 'Xin việc' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.applicant.phone, '0912 345 678');
  assert.deepEqual(r.body.form, { muc_dich: 'Xin việc' });
  assertProblem(await as(fx.srv, own, `/api/v1/drafts/${d.id}`, 'PATCH', { case: 5 }), 422, 'case');
  assertProblem(await as(fx.srv, own, `/api/v1/drafts/${d.id}`, 'PATCH', { applicant_email: 'not-an-email' }), 422, 'applicant_email');
  assertProblem(await as(fx.srv, own, '/api/v1/drafts', 'POST', { procedure: '1.001193' }), 422, 'unit');
  assertProblem(await as(fx.srv, own, '/api/v1/drafts', 'POST', { procedure: '1.001193', unit: '99999' }), 422, 'unit');
  const list = await as(fx.srv, own, '/api/v1/drafts');
  assert.ok(list.body.items.some((x) => x.id === d.id));
  assertProblem(await as(fx.srv, await sess('nguoidan2'), `/api/v1/drafts/${d.id}`, 'DELETE'), 404);
  r = await as(fx.srv, own, `/api/v1/drafts/${d.id}`, 'DELETE');
  assert.equal(r.status, 204);
  assertProblem(await as(fx.srv, own, `/api/v1/drafts/${d.id}`), 404);
  assertProblem(await as(fx.srv, own, '/api/v1/drafts/abc'), 404);
});

test(`runs on ${backend}`, () => assert.ok(backend));
