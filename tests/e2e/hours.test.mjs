// An agency's working hours on its page (the agency pages are the
// administrators'), as another agency's administrator and its own see them: the service centre's Saturday mornings, the province default of
// a department, and Sở Tư pháp's administrator adding hours from tomorrow —
// a bad period named next to its day, nothing saved until it is right; on a
// phone and a desktop, accessible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, shot, assertClean, assertAccessible, PHONE, expectText } from './lib/e2e.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('the service centre works Saturday mornings; a department keeps the province hours', async () => {
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'syt.quantri');
  await open(page, env.base, '/agencies/000.20.01.H06');
  await page.getByRole('heading', { level: 2, name: 'Giờ làm việc' }).waitFor();
  const table = page.locator('table.hours-table');
  await expectText(assert, table.locator('tr', { hasText: 'Thứ Bảy' }), /07:30–11:30/);
  await expectText(assert, table.locator('tr', { hasText: 'Chủ nhật' }), /Nghỉ/);
  await page.getByText('Giờ làm việc riêng của cơ quan, áp dụng từ ngày 1/7/2025.').waitFor();
  // no editor for Sở Y tế's administrator on the centre's page
  assert.equal(await page.getByRole('button', { name: 'Thay đổi giờ làm việc' }).count(), 0);
  await assertAccessible(assert, page);
  await shot(page, 'agency-hours-phone');
  await open(page, env.base, '/agencies/000.00.07.H06');
  await page.getByText('Theo giờ làm việc chung của tỉnh.').waitFor();
  await expectText(assert, page.locator('table.hours-table tr', { hasText: 'Thứ Bảy' }), /Nghỉ/);
  await page.getByRole('button', { name: 'Thay đổi giờ làm việc' }).waitFor(); // its own agency
  assertClean(assert, page);
  await page.context().close();
});

test("Sở Tư pháp's administrator adds Saturday mornings from tomorrow", async () => {
  const page = await env.page();
  await signIn(page, env.base, 'stp.quantri');
  await open(page, env.base, '/agencies/000.00.03.H06');
  await page.getByRole('button', { name: 'Thay đổi giờ làm việc' }).click();
  await page.getByRole('heading', { level: 3, name: 'Giờ làm việc mới' }).waitFor();
  // a period that ends before it starts is named next to its day
  await page.locator('#f-h-day6').fill('11:30-07:30');
  await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
  await page.locator('#f-h-day6-error').waitFor();
  await expectText(assert, page.locator('#f-h-day6-error'), /HH:MM-HH:MM/);
  await assertAccessible(assert, page);
  await shot(page, 'agency-hours-editor-desktop');
  // nothing was saved
  assert.equal(await page.getByText('Sắp áp dụng').count(), 0);
  await page.locator('#f-h-day6').fill('07:30-11:30');
  await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
  await page.getByText(/Đã lưu giờ làm việc áp dụng từ ngày/).waitFor();
  await page.getByRole('heading', { level: 3, name: 'Sắp áp dụng' }).waitFor();
  await expectText(assert, page.locator('ul.hours-upcoming li').first(), /Thứ Bảy: 07:30–11:30/);
  // today still the province hours
  await page.getByText('Theo giờ làm việc chung của tỉnh.').waitFor();
  await assertAccessible(assert, page);
  await shot(page, 'agency-hours-saved-desktop');
  assertClean(assert, page);
  await page.context().close();
});
