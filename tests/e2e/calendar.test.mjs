// The working calendar, as a citizen or an officer opens it: the year view
// (holidays, swapped days, lunar dates), the list with its legal basis, the
// deadline calculator; on a phone and a desktop, accessible, in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, openMenu, signIn, shot, assertClean, assertAccessible, PHONE, expectText } from './lib/e2e.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('the 2026 calendar: Tết, the swapped Saturday, lunar dates, the holidays list', async () => {
  const page = await env.page();
  await open(page, env.base, '/calendar/2026');
  await page.getByRole('heading', { level: 1, name: 'Lịch làm việc năm 2026' }).waitFor();
  await page.getByText('năm Bính Ngọ').waitFor();
  // 17/2/2026 is Tết: a holiday cell whose lunar date reads 1/1
  const feb = page.getByRole('region', { name: 'Tháng 2/2026' });
  const tet = feb.locator('td.holiday', { hasText: '17' }).first();
  await expectText(assert, tet, /17\s*1\/1/);
  // Saturday 10/1 is worked in place of Friday 2/1
  const jan = page.getByRole('region', { name: 'Tháng 1/2026' });
  assert.equal(await jan.locator('td.swap_work').count(), 1);
  assert.equal(await jan.locator('td.swap_off').count(), 1);
  // the list: each day with its legal basis
  const rows = page.locator('ul.cal-entries li');
  assert.equal(await rows.count(), 16);
  await expectText(assert, rows.first(), /Tết Dương lịch.*Bộ luật Lao động 2019/);
  await assertAccessible(assert, page);
  await shot(page, 'calendar-desktop');
  assertClean(assert, page);
  await page.context().close();
});

test('the deadline calculator: 3 working days from Friday 13/2/2026 land after Tết', async () => {
  const page = await env.page(PHONE);
  await open(page, env.base, '/calendar/2026');
  await page.locator('#f-from').fill('2026-02-13T10:00');
  await page.locator('#f-amount').fill('3');
  await page.getByRole('button', { name: 'Tính hạn' }).click();
  const out = page.locator('dl.facts');
  await out.waitFor();
  await expectText(assert, out, /25\/2\/2026/);
  await assertAccessible(assert, page);
  await shot(page, 'calendar-phone');
  // the navigation reaches it from the menu
  await openMenu(page);
  await page.getByRole('link', { name: 'Lịch làm việc' }).click();
  await page.getByRole('heading', { level: 1, name: /Lịch làm việc năm \d{4}/ }).waitFor();
  assertClean(assert, page);
  await page.context().close();
});

test('a year without an official schedule says so; English reads naturally', async () => {
  const page = await env.page();
  await open(page, env.base, '/calendar/2027');
  await page.getByText('Chưa có lịch nghỉ chính thức của năm này').waitFor();
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Working calendar 2027' }).waitFor();
  await page.getByText('No official schedule for this year yet').waitFor();
  await assertAccessible(assert, page);
  await shot(page, 'calendar-2027-en-desktop');
  assertClean(assert, page);
  await page.context().close();
});

test('a system administrator adds a swapped Saturday to 2027 and sees it in the year view', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'quantri');
  await open(page, env.base, '/calendar/2027');
  await page.getByRole('heading', { level: 2, name: 'Nhập lịch nghỉ chính thức năm 2027' }).waitFor();
  // the rows start from the baseline; add Saturday 9/1/2027 as a working day
  const rows = page.locator('.cal-rows > li');
  await rows.nth(9).waitFor(); // the baseline's rows arrive after the heading
  const n = await rows.count();
  assert.ok(n >= 10, `baseline rows: ${n}`);
  await page.getByRole('button', { name: 'Thêm một ngày' }).click();
  await page.locator(`#f-d${n}-date`).fill('2027-01-09');
  await page.locator(`#f-d${n}-kind`).selectOption('swap_work');
  await page.locator(`#f-d${n}-name`).fill('Làm việc bù cho thứ Hai 4/1');
  await page.locator(`#f-d${n}-name_en`).fill('Worked in place of Monday 4 January');
  await page.locator(`#f-d${n}-ref`).fill('Thông báo (thử nghiệm) năm 2027');
  await page.getByRole('button', { name: 'Lưu lịch năm 2027' }).click();
  await page.getByText('Đã lưu lịch (phiên bản 1).').waitFor();
  await page.getByText('Lịch nghỉ theo phương án chính thức của năm').waitFor();
  // the confirmation stays once the year is reloaded with the saved schedule
  assert.ok(await page.getByText('Đã lưu lịch (phiên bản 1).').isVisible());
  const jan = page.getByRole('region', { name: 'Tháng 1/2027' });
  await jan.locator('td.swap_work').first().waitFor();
  await expectText(assert, jan.locator('td.swap_work'), /^9/);
  // a bad row is named next to its field, and nothing is saved
  await page.getByRole('button', { name: 'Thêm một ngày' }).click();
  const m = await rows.count() - 1;
  await page.locator(`#f-d${m}-date`).fill('2028-01-01');
  await page.getByRole('button', { name: 'Lưu lịch năm 2027' }).click();
  await page.locator(`#f-d${m}-date-error`).waitFor();
  await assertAccessible(assert, page);
  await shot(page, 'calendar-editor-desktop');
  assertClean(assert, page);
  await page.context().close();
});
