// The procedure catalogue as its administrators and its readers use the
// files in it: a citizen downloads the birth registration's form; Sở Tư
// pháp's administrator edits the judicial record card into a new version —
// a problem is named at its field and nothing is saved until it is right, a
// form template is uploaded (a file that lies about its type is refused at
// the field) — and the new version shows the changed time and the form; the
// catalogue's CSV export downloads. On a phone and a desktop, accessible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setup, open, signIn, shot, assertClean, assertAccessible, PHONE, expectText, ROOT } from './lib/e2e.mjs';
import { makePdf } from '../api/lib/files.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const sha = (b) => createHash('sha256').update(b).digest('hex');

async function download(page, link) {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

test("a citizen downloads the birth registration's form, on a phone", async () => {
  const page = await env.page(PHONE);
  await open(page, env.base, '/procedures/1.001193');
  await page.getByRole('heading', { level: 1, name: 'Đăng ký khai sinh' }).waitFor();
  const link = page.getByRole('link', { name: /Tải mẫu to-khai-dang-ky-khai-sinh\.docx \(DOCX, \d+ KB\)/ });
  await link.waitFor();
  await assertAccessible(assert, page);
  await shot(page, 'procedure-template-phone');
  const { name, bytes } = await download(page, link);
  assert.equal(name, 'to-khai-dang-ky-khai-sinh.docx');
  assert.equal(sha(bytes), sha(readFileSync(`${ROOT}/data/templates/to-khai-dang-ky-khai-sinh.docx`)));
  assertClean(assert, page);
  await page.context().close();
});

test("Sở Tư pháp's administrator edits the judicial record card into a new version with a form", async () => {
  const page = await env.page();
  await signIn(page, env.base, 'stp.quantri');
  await open(page, env.base, '/procedures/2.000488');
  await page.getByRole('link', { name: 'Sửa thủ tục (tạo phiên bản mới)' }).click();
  await page.getByRole('heading', { level: 1, name: /^Sửa thủ tục: Cấp Phiếu lý lịch tư pháp/ }).waitFor();
  await assertAccessible(assert, page, 'the editor');
  await shot(page, 'procedure-editor-desktop');

  // the new version's day is not after the current one's: named at the field
  await page.locator('#f-effective_from').fill('2025-01-01');
  await page.locator('#f-case0-t0-amount').fill('7');
  await page.getByRole('button', { name: 'Lưu phiên bản mới' }).click();
  await expectText(assert, page.locator('#f-effective_from-error'), /sau phiên bản trước/);
  await assertAccessible(assert, page, 'the editor with an error');

  // a web page posing as a PDF is refused at its field
  const comp = page.locator('fieldset', { hasText: 'Giấy tờ 1' });
  await comp.locator('input[type=file]').setInputFiles({ name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><body>not a pdf</body></html>') });
  await expectText(assert, comp.locator('.field-error'), /Tệp khai là application\/pdf nhưng nội dung không phải loại đó/);
  // a real PDF is kept and named
  const pdf = makePdf(`To khai yeu cau cap Phieu ly lich tu phap ${Date.now()}`);
  await comp.locator('input[type=file]').setInputFiles({ name: 'Tờ khai yêu cầu cấp Phiếu LLTP.pdf', mimeType: 'application/pdf', buffer: pdf });
  await expectText(assert, comp, /Đang dùng: Tờ khai yêu cầu cấp Phiếu LLTP\.pdf/);

  await page.locator('#f-effective_from').fill('2027-01-01');
  await page.getByRole('button', { name: 'Lưu phiên bản mới' }).click();
  await page.getByRole('heading', { level: 1, name: /^Cấp Phiếu lý lịch tư pháp/ }).waitFor();
  await expectText(assert, page.getByRole('status'), /Đã lưu phiên bản 2 của thủ tục/);
  await expectText(assert, page.locator('.proc-case').first(), /7 ngày làm việc/);
  await expectText(assert, page.locator('main'), /Sở Tư pháp/);
  await expectText(assert, page.locator('main'), /Trung tâm Phục vụ hành chính công/);
  const link = page.getByRole('link', { name: /Tải mẫu Tờ khai yêu cầu cấp Phiếu LLTP\.pdf \(PDF, 1 KB\)/ });
  const { bytes } = await download(page, link);
  assert.equal(sha(bytes), sha(pdf));
  await assertAccessible(assert, page, 'the new version');
  await shot(page, 'procedure-new-version-desktop');
  assertClean(assert, page);
  await page.context().close();
});

test('the editor on a phone, in English; the catalogue exports as CSV', async () => {
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'quantri');
  await open(page, env.base, '/procedures');
  await page.getByRole('link', { name: 'Thêm thủ tục' }).waitFor();
  const csv = await download(page, page.getByRole('link', { name: 'bảng tính (CSV)' }));
  assert.equal(csv.name, 'thu-tuc-hanh-chinh.csv');
  assert.match(csv.bytes.subarray(3).toString('utf8'), /^Mã thủ tục,Tên thủ tục/);
  await page.getByRole('link', { name: 'Thêm thủ tục' }).click();
  await page.getByRole('heading', { level: 1, name: 'Thêm thủ tục hành chính' }).waitFor();
  await page.getByRole('button', { name: 'Công bố thủ tục' }).click();
  await expectText(assert, page.locator('#f-code-error'), /\S/);
  await expectText(assert, page.locator('#f-name-error'), /\S/);
  await assertAccessible(assert, page, 'a new procedure with errors');
  await shot(page, 'procedure-new-phone');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add an administrative procedure' }).waitFor();
  await assertAccessible(assert, page, 'the editor in English');
  await shot(page, 'procedure-new-en-phone');
  assertClean(assert, page);
  await page.context().close();
});
