// A dossier's whole way through the browser: a citizen files the judicial
// record card online with two papers (upload, the task list, submit, the
// confirmation with the code); the service centre receives it and forwards
// it; Sở Tư pháp's officer asks for a supplement, the citizen supplements,
// the officer and the department's leader take their steps; the centre
// finishes and returns it; anyone, on a phone, looks it up by its code and
// sees its history with the pause; the citizen rates it; the statistics and
// the Decision 766 figures count it. Each page checked with axe-core, in
// Vietnamese, with screenshots on a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, shot, assertClean, assertAccessible, PHONE, expectText } from './lib/e2e.mjs';
import { makePdf, PNG } from '../api/lib/files.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const pages = {};
async function as(user, viewport) {
  if (!pages[user]) {
    pages[user] = await env.page(viewport);
    await signIn(pages[user], env.base, user);
  }
  return pages[user];
}

// Take the action on the dossier's page as user, with the fields given (id -> value).
async function act(user, code, action, fields = {}) {
  const page = await as(user);
  const url = `${env.base}/#/ho-so/${code}`;
  if (page.url() === url) await page.reload(); /* a fresh read, as the officer would see it */
  else await open(page, env.base, `/ho-so/${code}`);
  await page.locator('#f-action').waitFor();
  await page.locator('#f-action').selectOption(action);
  for (const [id, v] of Object.entries(fields)) {
    const el = page.locator(`#f-${id}`);
    if ((await el.evaluate((n) => n.tagName)) === 'SELECT') await el.selectOption(v);
    else await el.fill(v);
  }
  await page.locator('form[aria-labelledby="act-h"] button[type=submit]').click();
  await expectText(assert, page.locator('.alert-success'), /Đã cập nhật hồ sơ/);
  return page;
}

const statsToday = async () => {
  const d = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  return (await env.server.json(`/api/v1/stats/dossiers?from=${d}&to=${d}&agency=000.00.03.H06`)).body.total;
};

let code;

test('a citizen files the judicial record card online with two papers', async () => {
  const before0 = await statsToday();
  const page = await as('nguoidan1');
  await open(page, env.base, '/procedures/2.000488');
  await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
  await page.getByRole('heading', { level: 1, name: /^Nộp hồ sơ: Cấp Phiếu lý lịch tư pháp/ }).waitFor();
  await assertAccessible(assert, page, 'the filing start');
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
  await page.getByRole('heading', { level: 1, name: /^Hồ sơ đang soạn/ }).waitFor();
  // submitting before the papers: the missing one is named
  await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await expectText(assert, page.locator('.alert-error'), /Còn thiếu thành phần hồ sơ bắt buộc: Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp/);
  // a file that lies about its type is refused at its paper
  await page.locator('#f-file-0').setInputFiles({ name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') });
  await expectText(assert, page.locator('#f-file-0-error'), /không được nhận|không phải loại đó/);
  await page.locator('#f-file-0').setInputFiles({ name: 'tờ khai.pdf', mimeType: 'application/pdf', buffer: makePdf('To khai LLTP') });
  await expectText(assert, page.locator('.task').first(), /tờ khai\.pdf/);
  await page.locator('#f-file-1').setInputFiles({ name: 'cccd.png', mimeType: 'image/png', buffer: PNG });
  await expectText(assert, page.locator('.task').nth(1), /cccd\.png/);
  await assertAccessible(assert, page, 'the draft with its papers');
  await shot(page, 'dossier-draft-desktop');
  await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đã nộp hồ sơ' }).waitFor();
  code = (await page.locator('.big-code').textContent()).trim();
  assert.match(code, /^000\.20\.01\.H06-\d{6}-\d{4}$/);
  await expectText(assert, page.locator('.alert-success'), /Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh/);
  await assertAccessible(assert, page, 'the confirmation');
  await shot(page, 'dossier-filed-desktop');
  assertClean(assert, page);
  const after0 = await statsToday();
  assert.equal(after0.received, before0.received, 'not received yet: the form counts it at intake');
});

test('the centre and Sở Tư pháp process it; a supplement stops the clock; it is returned', async () => {
  assert.ok(code, 'filed by the first test');
  let page = await act('ttpvhcc.canbo1', code, 'receive');
  await expectText(assert, page.locator('.facts'), /Được tiếp nhận/);
  await assertAccessible(assert, page, "the officer's dossier page");
  await shot(page, 'dossier-officer-desktop');
  await act('ttpvhcc.canbo1', code, 'forward');
  // the queue of Sở Tư pháp shows it
  page = await as('stp.canbo1');
  await open(page, env.base, '/ho-so');
  await page.getByRole('link', { name: code }).waitFor();
  await assertAccessible(assert, page, 'the queue');
  await shot(page, 'dossier-queue-desktop');
  await act('stp.canbo1', code, 'request_supplement', { reason: 'Tờ khai chưa có chữ ký của người yêu cầu' });
  page = await act('nguoidan1', code, 'supplement');
  await act('stp.canbo1', code, 'forward');
  await act('stp.lanhdao', code, 'forward');
  await act('ttpvhcc.canbo1', code, 'finish', { result_number: '1234/LLTP', signer: 'Hoàng Văn Em' });
  page = await act('ttpvhcc.canbo1', code, 'return', { way: 'online' });
  await expectText(assert, page.locator('.facts'), /Đã trả kết quả/);
  // the forms to print are offered: the receipt and the control sheet at least
  await page.getByRole('link', { name: 'Giấy tiếp nhận và hẹn trả kết quả (PDF)' }).waitFor();
  await page.getByRole('link', { name: 'Phiếu kiểm soát quá trình (PDF)' }).waitFor();
});

test('anyone looks it up on a phone: the history, the pause, no personal data', async () => {
  const page = await env.page(PHONE);
  await open(page, env.base, '/services');
  await assertAccessible(assert, page, 'the services page');
  await page.locator('#f-code').fill(code);
  await page.getByRole('button', { name: 'Tra cứu' }).click();
  await page.getByRole('heading', { level: 1, name: `Hồ sơ ${code}` }).waitFor();
  const text = await expectText(assert, page.locator('main'), /Yêu cầu bổ sung/);
  assert.match(text, /Thời gian tạm dừng/);
  assert.match(text, /Trả kết quả/);
  assert.doesNotMatch(text, /Nguyễn Thị Thu|chữ ký của người yêu cầu/, 'no applicant, no reasons');
  await assertAccessible(assert, page, 'the lookup');
  await shot(page, 'dossier-lookup-phone');
  // a code that does not exist
  await open(page, env.base, `/tra-cuu/000.20.01.H06-250101-9999`);
  await expectText(assert, page.locator('.alert-error'), /Không tìm thấy hồ sơ có mã này/);
  assertClean(assert, page);
  await page.context().close();
});

test('the citizen rates it; the statistics and the 766 scorecard count it', async () => {
  const before0 = await statsToday();
  await act('nguoidan1', code, 'rate', { rating: '5' });
  const after0 = await statsToday();
  assert.equal(after0.ratings[4], before0.ratings[4] + 1);
  assert.ok(after0.finished >= 1);
  const page = await env.page();
  await open(page, env.base, '/thong-ke');
  await page.getByRole('heading', { level: 2, name: /Bộ chỉ số 766/ }).waitFor();
  await expectText(assert, page.locator('.score'), /Điểm: [\d.]+\/\d+/);
  await expectText(assert, page.locator('main'), /Sở Tư pháp/);
  await assertAccessible(assert, page, 'the statistics');
  await shot(page, 'dossier-stats-desktop');
  await page.setViewportSize(PHONE);
  await shot(page, 'dossier-stats-phone');
  assertClean(assert, page);
  for (const p of Object.values(pages)) assertClean(assert, p);
});
