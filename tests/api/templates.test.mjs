// Form templates over HTTP: an agency administrator uploads a PDF, DOC, DOCX
// or XLSX (the body is the file); what it is comes from its content, so a
// file that lies about its type — by its Content-Type or by its name — is
// refused and nothing is kept; the same bytes are kept once; anyone
// downloads it with its name, type and a never-changing ETag; a procedure's
// component names it by SHA-256, and a SHA-256 that names nothing is refused.
// The demo's own forms are there after the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as, rawRequest } from './lib/helpers.mjs';
import { makePdf, demoTemplate, PNG, ELF, HTML, sha256 } from './lib/files.mjs';

const fx = serverForFile();
const STP = '000.00.03.H06';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

// POST /api/v1/templates as sess with bytes body.
function upload(sess, filename, body, type = 'application/pdf') {
  const q = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
  const headers = { Cookie: `tinhso_session=${sess.cookie}`, 'X-CSRF-Token': sess.csrf };
  if (type) headers['Content-Type'] = type;
  return fx.srv.json(`/api/v1/templates${q}`, { method: 'POST', headers, body });
}

test('an agency admin uploads a PDF; the same bytes are kept once; anyone downloads them', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const pdf = makePdf(`Mau don de nghi ${Date.now()}`);
  const a0 = auditCount(fx.srv.db.url);
  let r = await upload(stp, 'Mẫu đơn đề nghị cấp phiếu.pdf', pdf);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.sha256, sha256(pdf));
  assert.equal(r.body.media_type, 'application/pdf');
  assert.equal(r.body.size, pdf.length);
  assert.equal(r.body.filename, 'Mẫu đơn đề nghị cấp phiếu.pdf');
  assert.equal(r.headers.get('location'), `/api/v1/templates/${sha256(pdf)}`);
  assert.equal(auditCount(fx.srv.db.url), a0 + 1);
  // again, under another name: the first stays, nothing new is written
  r = await upload(stp, 'ban-khac.pdf', pdf, 'application/octet-stream');
  assert.equal(r.status, 200);
  assert.equal(r.body.filename, 'Mẫu đơn đề nghị cấp phiếu.pdf');
  assert.equal(auditCount(fx.srv.db.url), a0 + 1);
  // the download: anonymous, the bytes, the type, the name, cacheable
  const d = await fx.srv.fetch(`/api/v1/templates/${sha256(pdf)}`);
  assert.equal(d.status, 200);
  assert.equal(d.headers.get('content-type'), 'application/pdf');
  assert.deepEqual(Buffer.from(await d.arrayBuffer()), pdf);
  const cd = d.headers.get('content-disposition');
  assert.match(cd, /^attachment; filename="M_u __n __ ngh_ c_p phi_u\.pdf"; filename\*=UTF-8''M%E1%BA%ABu%20/);
  assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), 'Mẫu đơn đề nghị cấp phiếu.pdf');
  assert.equal(d.headers.get('etag'), `"${sha256(pdf)}"`);
  assert.match(d.headers.get('cache-control'), /immutable/);
  const nm = await fx.srv.fetch(`/api/v1/templates/${sha256(pdf)}`, { headers: { 'If-None-Match': `"${sha256(pdf)}"` } });
  assert.equal(nm.status, 304);
});

test('a DOCX form is a DOCX by its content', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const docx = demoTemplate('to-khai-dang-ky-ket-hon.docx');
  const r = await upload(stp, 'to-khai.DOCX', docx, DOCX);
  // the demo kept these bytes already, under its own name: 200, not 201
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.media_type, DOCX);
  assert.equal(r.body.filename, 'to-khai-dang-ky-ket-hon.docx');
});

test('files that lie about their type, or are not forms, are refused and nothing is kept', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const a0 = auditCount(fx.srv.db.url);
  const pdf = makePdf(`Khong duoc luu ${Date.now()}`);
  const cases = [
    // a web page sent as a PDF
    [await upload(stp, 'don.pdf', HTML, 'application/pdf'), 415, null, HTML],
    // an executable sent as a PDF
    [await upload(stp, 'don.pdf', ELF, 'application/pdf'), 415, null, ELF],
    // a DOCX sent as a PDF
    [await upload(stp, 'don.pdf', demoTemplate('to-khai-dang-ky-khai-sinh.docx'), 'application/pdf'), 415, null, null],
    // a picture, honestly untyped, named .pdf: not a form type at all
    [await upload(stp, 'anh.pdf', PNG, 'application/octet-stream'), 422, null, PNG],
    // a real PDF named .docx
    [await upload(stp, 'to-khai.docx', pdf), 422, 'filename', pdf],
    // names that are not file names
    [await upload(stp, '../../etc/passwd.pdf', pdf), 422, 'filename', pdf],
    [await upload(stp, 'khongcoduoi', pdf), 422, 'filename', pdf],
    [await upload(stp, 'a\u0001b.pdf', pdf), 422, 'filename', pdf],
    [await upload(stp, undefined, pdf), 400, 'filename', pdf],
    // nothing at all
    [await upload(stp, 'rong.pdf', Buffer.alloc(0)), 422, null, null],
  ];
  for (const [r, status, field, bytes] of cases) {
    assertProblem(r, status, field);
    assert.ok(r.body.detail && r.body.title, JSON.stringify(r.body));
    if (bytes) assert.equal((await fx.srv.fetch(`/api/v1/templates/${sha256(bytes)}`)).status, 404);
  }
  const lie = cases[0][0];
  assert.match(lie.body.detail, /application\/pdf/);
  assert.equal(auditCount(fx.srv.db.url), a0);
});

test('the English message of a lying file', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const r = await fx.srv.json('/api/v1/templates?filename=x.pdf', {
    method: 'POST', body: HTML,
    headers: { Cookie: `tinhso_session=${stp.cookie}`, 'X-CSRF-Token': stp.csrf, 'Content-Type': 'application/pdf', 'Accept-Language': 'en' },
  });
  assertProblem(r, 415);
  assert.equal(r.body.detail, 'The file claims to be application/pdf but its content is not.');
});

test('a template may be larger than an ordinary request body, up to 10 MiB', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const big = makePdf(`Ban ve lon ${Date.now()}`, 3 << 20);
  let r = await upload(stp, 'ban-ve.pdf', big);
  assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
  assert.equal(r.body.size, big.length);
  const d = await fx.srv.fetch(`/api/v1/templates/${r.body.sha256}`);
  assert.equal(sha256(Buffer.from(await d.arrayBuffer())), sha256(big));
  // past the route's limit, or past the ordinary 1 MiB on a JSON route: 413
  // before the body is read, and the server goes on serving
  // (the header alone announces it: the answer comes before any byte of it)
  const send = (path, type, length) => rawRequest(fx.srv.port, {
    method: 'POST', path,
    headers: { Cookie: `tinhso_session=${stp.cookie}`, 'X-CSRF-Token': stp.csrf, 'Content-Type': type, 'Content-Length': length },
    write: (req) => { req.on('error', () => {}); req.flushHeaders(); },
  });
  let raw = await send('/api/v1/templates?filename=qua-lon.pdf', 'application/pdf', (10 << 20) + 1);
  assert.equal(raw.status, 413, raw.error || raw.body);
  assert.match(JSON.parse(raw.body).detail, /10485760/);
  raw = await send('/api/v1/procedures', 'application/json', (1 << 20) + 1);
  assert.equal(raw.status, 413, raw.error || raw.body);
  assert.match(JSON.parse(raw.body).detail, /1048576/);
  assert.equal((await fx.srv.json('/healthz')).status, 200);
});

test('who may upload: agency admins; not officers, citizens or anonymous', async () => {
  const pdf = makePdf(`Quyen ${Date.now()}`);
  assertProblem(await upload(await signedIn(fx.srv, 'stp.canbo1'), 'a.pdf', pdf), 403);
  assertProblem(await upload(await signedIn(fx.srv, 'nguoidan1'), 'a.pdf', pdf), 403);
  assertProblem(await fx.srv.json('/api/v1/templates?filename=a.pdf', { method: 'POST', body: pdf, headers: { 'Content-Type': 'application/pdf' } }), 401);
  assert.equal((await fx.srv.fetch(`/api/v1/templates/${sha256(pdf)}`)).status, 404);
});

test('unknown templates: 404 by SHA-256, and a component may not name one', async () => {
  assertProblem(await fx.srv.json(`/api/v1/templates/${'0'.repeat(64)}`), 404);
  assertProblem(await fx.srv.json('/api/v1/templates/abc'), 404);
  assertProblem(await fx.srv.json(`/api/v1/templates/${'A'.repeat(64)}`), 404);
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const doc = (template) => ({
    code: '1.008892', name: 'Thủ tục có mẫu đơn (thử nghiệm)', field: 'Công chứng', level: 'province',
    service_level: 'mot_phan', agency: STP, receiving: ['000.20.01.H06'],
    cases: [{ name: 'Thông thường', times: [{ channel: 'counter', unit: 'working_days', amount: 5 }] }],
    components: [{ name: 'Đơn đề nghị', form: 'original', count: 1, required: true, template }],
    effective_from: '2025-07-01',
  });
  const a0 = auditCount(fx.srv.db.url);
  let r = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc('f'.repeat(64)));
  assertProblem(r, 422, 'components[0].template');
  r = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc('not-a-hash'));
  assertProblem(r, 422, 'components[0].template');
  assert.equal(auditCount(fx.srv.db.url), a0);
  // with an uploaded one: the procedure names it, with what a reader needs
  const pdf = makePdf(`Don de nghi ${Date.now()}`);
  const up = await upload(stp, 'Đơn đề nghị.pdf', pdf);
  r = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc(up.body.sha256));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await fx.srv.json('/api/v1/procedures/1.008892');
  assert.deepEqual(r.body.procedure.components[0].template,
    { sha256: sha256(pdf), filename: 'Đơn đề nghị.pdf', media_type: 'application/pdf', size: pdf.length });
  // the object form (as a procedure's answer gives it) is accepted back
  const edited = { ...doc(r.body.procedure.components[0].template), name: 'Thủ tục có mẫu đơn (sửa)', effective_from: '2026-01-01', base_version: 1 };
  r = await as(fx.srv, stp, '/api/v1/procedures/1.008892', 'PUT', edited);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await fx.srv.json('/api/v1/procedures/1.008892')).body.procedure.components[0].template.sha256, sha256(pdf));
});

test('the demo forms are kept, and the demo catalogue names them', async () => {
  for (const name of ['to-khai-dang-ky-khai-sinh.docx', 'to-khai-dang-ky-ket-hon.docx']) {
    const b = demoTemplate(name);
    const d = await fx.srv.fetch(`/api/v1/templates/${sha256(b)}`);
    assert.equal(d.status, 200, name);
    assert.equal(d.headers.get('content-type'), DOCX);
    assert.match(d.headers.get('content-disposition'), new RegExp(name.replace(/\./g, '\\.')));
  }
  const r = await fx.srv.json('/api/v1/procedures/1.001193');
  const t = r.body.procedure.components.map((c) => c.template).find(Boolean);
  assert.ok(t, 'the birth registration names its form');
  assert.equal(t.sha256, sha256(demoTemplate('to-khai-dang-ky-khai-sinh.docx')));
});
