// The one-stop shop's printed forms over HTTP: the receipt and appointment
// slip, the supplement request, the refusal, the apology with a new
// appointment, the stop notice and the process control sheet, each a PDF
// read back with pdftotext (the Vietnamese as written, the dossier's own
// code, dates and papers, the lookup link at public_url) and rendered with
// pdftoppm (page 1 kept in test-output/forms/ for a look); forms a dossier
// has not come to are 409, unknown ones 404, and only its owner and the
// staff of its agencies may print them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { assertProblem, signedIn, as } from './lib/helpers.mjs';

let srv;
const conf = join(mkdtempSync(join(tmpdir(), 'tinhso-forms-')), 'conf.json');
writeFileSync(conf, JSON.stringify({ public_url: 'https://dichvucong.bacninh.gov.vn/' }));
before(async () => { srv = await startServer({ args: ['--config', conf] }); });
after(async () => { if (srv) await srv.close(); });

const OUT = new URL('../../test-output/forms/', import.meta.url).pathname;
const sessions = {};
const sess = async (u) => (sessions[u] ??= await signedIn(srv, u));
const act = async (u, code, body) => {
  const r = await as(srv, await sess(u), `/api/v1/dossiers/${code}/actions`, 'POST', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

// The form as bytes, its text (pdftotext -layout) and page 1 rendered.
async function form(user, code, name) {
  const s = await sess(user);
  const r = await srv.fetch(`/api/v1/dossiers/${code}/forms/${name}.pdf`, { headers: { Cookie: `tinhso_session=${s.cookie}` } });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.match(r.headers.get('cache-control'), /no-store/);
  const pdf = Buffer.from(await r.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.pdf`);
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, join(OUT, name)], { stdio: 'ignore' });
  return text.replace(/\s+/g, ' '); // lines joined: wrapping is the layout's business
}

const dmy = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
const hm = (iso) => `${iso.slice(11, 13)} giờ ${iso.slice(14, 16)} phút`;

test('the receipt and appointment slip: who, what, the papers, when, where, and the lookup link', async () => {
  const r = await as(srv, await sess('ttpvhcc.canbo1'), '/api/v1/dossiers', 'POST', {
    procedure: '2.000488', channel: 'counter', applicant_name: 'Lê Thị Mai Hương', applicant_id_number: '027185001234',
    applicant_phone: '0912 345 678', applicant_address: 'Số 12 đường Lý Thái Tổ, phường Kinh Bắc',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const d = r.body;
  const t = await form('ttpvhcc.canbo1', d.code, 'receipt');
  for (const want of [
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
    `Mã hồ sơ: ${d.code}`, 'Ông/Bà: Lê Thị Mai Hương', 'Số 12 đường Lý Thái Tổ, phường Kinh Bắc',
    'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam', '1. Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (bản chính, 1 bản)',
    '2. Căn cước công dân (bản sao, 1 bản)', '10 ngày làm việc', 'Bắc Ninh, ngày',
    `${hm(d.received_at)}, ngày ${dmy(d.received_at)}`, `${hm(d.due_at)}, ngày ${dmy(d.due_at)}`,
    'NGƯỜI NỘP HỒ SƠ', 'NGƯỜI TIẾP NHẬN HỒ SƠ', `https://dichvucong.bacninh.gov.vn/#/tra-cuu/${d.code}`,
  ]) assert.ok(t.includes(want), `the receipt says "${want}":\n${t}`);
  // the owner's own copy works too; another agency's officer, a stranger and no one may not print it
  assertProblem(await as(srv, await sess('syt.canbo1'), `/api/v1/dossiers/${d.code}/forms/receipt.pdf`), 404);
  assertProblem(await as(srv, await sess('nguoidan2'), `/api/v1/dossiers/${d.code}/forms/receipt.pdf`), 404);
  assertProblem(await srv.json(`/api/v1/dossiers/${d.code}/forms/receipt.pdf`), 401);
  // unknown forms, and forms it has not come to
  assertProblem(await as(srv, await sess('ttpvhcc.canbo1'), `/api/v1/dossiers/${d.code}/forms/receipt`), 404, 'form');
  assertProblem(await as(srv, await sess('ttpvhcc.canbo1'), `/api/v1/dossiers/${d.code}/forms/license.pdf`), 404, 'form');
  for (const f of ['refusal', 'apology', 'stop', 'supplement'])
    assertProblem(await as(srv, await sess('ttpvhcc.canbo1'), `/api/v1/dossiers/${d.code}/forms/${f}.pdf`), 409);

  // a supplement request, an apology with a new appointment, the stop notice, the control sheet
  await act('ttpvhcc.canbo1', d.code, { action: 'forward' });
  await act('stp.canbo1', d.code, { action: 'request_supplement', reason: 'Bản sao Căn cước công dân chưa được chứng thực' });
  let s = await form('stp.canbo1', d.code, 'supplement');
  assert.ok(s.includes('PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ'));
  assert.ok(s.includes('Bản sao Căn cước công dân chưa được chứng thực'));
  await act('ttpvhcc.canbo1', d.code, { action: 'supplement' });
  const due = (await as(srv, await sess('stp.canbo1'), `/api/v1/dossiers/${d.code}`)).body.due_at;
  const later = new Date(Date.parse(due) + 7 * 86400e3 + 7 * 3600e3).toISOString().slice(0, 16);
  const ext = await act('stp.canbo1', d.code, { action: 'extend', reason: 'Cần xác minh thông tin tại địa phương khác', new_due: later });
  s = await form('stp.canbo1', d.code, 'apology');
  assert.ok(s.includes('PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ'));
  assert.ok(s.includes('Cần xác minh thông tin tại địa phương khác'));
  assert.ok(s.includes(`${hm(ext.due_at)}, ngày ${dmy(ext.due_at)}`), s);
  assert.ok(s.includes(`${hm(ext.original_due)}, ngày ${dmy(ext.original_due)}`), s);
  await act('stp.lanhdao', d.code, { action: 'stop', reason: 'Người yêu cầu không thuộc đối tượng được cấp' });
  s = await form('stp.lanhdao', d.code, 'stop');
  assert.ok(s.includes('THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ'));
  assert.ok(s.includes('Người yêu cầu không thuộc đối tượng được cấp'));
  s = await form('ttpvhcc.canbo1', d.code, 'control');
  assert.ok(s.includes('PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ'));
  assert.ok(s.includes('Sở Tư pháp'));
  assert.ok(s.includes('Trung tâm Phục vụ hành chính'));
});

test('the refusal names the reason', async () => {
  const c = await sess('nguoidan1');
  let r = await as(srv, c, '/api/v1/drafts', 'POST', { procedure: '1.001193', unit: (await srv.json('/api/v1/agencies?kind=commune_committee&limit=1')).body.items[0].unit_code });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  for (const k of [0, 1]) {
    const up = await srv.json(`/api/v1/drafts/${id}/files?filename=giay-${k}.pdf&component=${k}`, {
      method: 'POST', headers: { Cookie: `tinhso_session=${c.cookie}`, 'X-CSRF-Token': c.csrf, 'Content-Type': 'application/pdf' }, body: pdf,
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
  }
  r = await as(srv, c, `/api/v1/drafts/${id}/submit`, 'POST');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await act('xa1.canbo', r.body.code, { action: 'refuse', reason: 'Trẻ đã được đăng ký khai sinh tại xã khác' });
  const t = await form('nguoidan1', r.body.code, 'refusal');
  assert.ok(t.includes('PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ'));
  assert.ok(t.includes('Trẻ đã được đăng ký khai sinh tại xã khác'));
  assert.ok(t.includes('Đăng ký khai sinh'));
  // refused before it was received: there is no receipt
  assertProblem(await as(srv, c, `/api/v1/dossiers/${r.body.code}/forms/receipt.pdf`), 409);
});

test('the fee receipt: who paid what, how, when and to whom, under the receipt number', async () => {
  const r = await as(srv, await sess('ttpvhcc.canbo1'), '/api/v1/dossiers', 'POST', {
    procedure: '2.000488', channel: 'counter', applicant_name: 'Trần Văn Bình', applicant_id_number: '027185009876',
    applicant_address: 'Thôn Đông, xã Tiên Du',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  const no = await srv.fetch(`/api/v1/dossiers/${code}/forms/fee.pdf`, { headers: { Cookie: `tinhso_session=${(await sess('ttpvhcc.canbo1')).cookie}` } });
  assert.equal(no.status, 409, 'no payment yet: no receipt');
  await act('ttpvhcc.canbo1', code, { action: 'fee_due', amount_vnd: 1250000 });
  const paid = await act('ttpvhcc.canbo2', code, { action: 'pay', way: 'bank_transfer', reference: 'FT26337000111' });
  const text = await form('ttpvhcc.canbo1', code, 'fee');
  assert.match(text, /BIÊN LAI THU PHÍ, LỆ PHÍ/);
  assert.match(text, new RegExp(`Số biên lai: ${code.replace(/\./g, '\\.')}/1`));
  assert.match(text, /Họ tên người nộp: Trần Văn Bình Địa chỉ: Thôn Đông, xã Tiên Du/);
  assert.match(text, /Số tiền: 1\.250\.000 đồng\./);
  assert.match(text, /Hình thức nộp: chuyển khoản \(mã giao dịch FT26337000111\)\./);
  assert.match(text, new RegExp(`Người thu: ${paid.payments[0].confirmed_by}\\.`));
  assert.match(text, /NGƯỜI NỘP TIỀN/);
});
