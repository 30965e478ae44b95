// Administration: an agency admin creates an officer who then signs in; agencies
// list, detail, edit and audit trail; a citizen gets the forbidden page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, signOut, shot, assertClean, PHONE, expectText } from './lib/e2e.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('a citizen opening agency administration sees the forbidden page', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'nguoidan1');
  // no administration links for a citizen
  assert.equal(await page.getByRole('link', { name: 'Cơ quan, đơn vị' }).count(), 0);
  await page.goto(`${env.base}/#/agencies`);
  await page.getByRole('heading', { level: 1, name: 'Không có quyền truy cập' }).waitFor();
  await shot(page, 'forbidden-desktop');
  await page.goto(`${env.base}/#/people`);
  await page.getByRole('heading', { level: 1, name: 'Không có quyền truy cập' }).waitFor();
  assertClean(assert, page);
  await page.context().close();
});

test('signed out, administration asks for a sign-in first and comes back', async () => {
  const page = await env.page();
  await page.goto(`${env.base}/#/agencies`);
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  await page.locator('#f-username').fill('stp.quantri');
  await page.locator('#f-password').fill('TinhSo@2025demo');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cơ quan, đơn vị' }).waitFor();
  assertClean(assert, page);
  await page.context().close();
});

test('an agency admin creates an officer, who then signs in', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'stp.quantri');
  await page.getByRole('link', { name: 'Cán bộ' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Cán bộ' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Tạo tài khoản cán bộ' }).waitFor();
  // the agencies offered are Sở Tư pháp's subtree
  const agencies = await page.locator('#f-agency_code option').allTextContents();
  assert.ok(agencies.some((a) => a.includes('Sở Tư pháp')), agencies.join('|'));
  assert.ok(!agencies.some((a) => a.includes('Sở Y tế')));
  // a weak password: the server's message next to the field
  await page.locator('#f-username').fill('stp.canbo9');
  await page.locator('#f-full_name').fill('Đinh Thị Yến');
  await page.locator('#f-password').fill('123456789');
  await page.getByRole('button', { name: 'Tạo tài khoản' }).click();
  await page.locator('#f-password-error').waitFor();
  await page.locator('#f-password').fill('cán bộ tư pháp mới');
  await page.getByRole('button', { name: 'Tạo tài khoản' }).click();
  await page.getByText('Đã tạo tài khoản stp.canbo9.').waitFor();
  await shot(page, 'people-desktop');
  await signOut(page);
  await signIn(page, env.base, 'stp.canbo9', 'cán bộ tư pháp mới');
  await expectText(assert, page.locator('main'), /Đinh Thị Yến/);
  await expectText(assert, page.locator('main'), /Sở Tư pháp/);
  assertClean(assert, page);
  await page.context().close();
});

test('agencies: search, detail, edit, audit trail', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'stp.quantri');
  await page.getByRole('link', { name: 'Cơ quan, đơn vị' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Cơ quan, đơn vị' }).waitFor();
  await page.locator('#f-q').fill('so tu phap');
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByRole('link', { name: 'Sở Tư pháp' }).waitFor();
  await shot(page, 'agencies-desktop');
  await page.getByRole('link', { name: 'Sở Tư pháp' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sở Tư pháp' }).waitFor();
  await page.getByRole('link', { name: 'Sửa' }).click();
  await page.locator('#f-phone').fill('abc');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.locator('#f-phone-error').waitFor(); // the server's 422 names the field
  await page.locator('#f-phone').fill('0222 3822 123');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.getByText('Đã lưu thay đổi.').waitFor();
  await expectText(assert, page.locator('main'), /0222 3822 123/);
  await shot(page, 'agency-desktop');
  await page.getByRole('link', { name: 'Nhật ký thay đổi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nhật ký thay đổi' }).waitFor();
  await page.getByRole('cell', { name: 'agency.update' }).first().waitFor();
  await expectText(assert, page.locator('table'), /stp\.quantri|phone/);
  await shot(page, 'audit-desktop');
  // not this admin's agency: no edit button, and the edit page is forbidden
  await page.goto(`${env.base}/#/agencies/000.00.07.H06`);
  await page.getByRole('heading', { level: 1, name: 'Sở Y tế' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Sửa' }).count(), 0);
  await page.goto(`${env.base}/#/agencies/000.00.07.H06/edit`);
  await page.getByRole('heading', { level: 1, name: 'Không có quyền truy cập' }).waitFor();
  assertClean(assert, page);
  await page.context().close();
});

test('the system admin creates an agency (phone screen)', async () => {
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'quantri');
  await open(page, env.base, '/agencies/new');
  await page.locator('#f-code').fill('000.00.16.H06');
  await page.locator('#f-name').fill('Sở Du lịch');
  await page.locator('#f-parent_code').fill('000.00.00.H06');
  await page.locator('#f-unit_code').fill('24');
  // the kinds offered come from GET /api/v1/agency-kinds, labelled in Vietnamese
  await page.locator('#f-kind option').nth(6).waitFor({ state: 'attached' });
  const kinds = await page.locator('#f-kind option').allTextContents();
  assert.equal(kinds.length, 7, kinds.join('|'));
  assert.ok(kinds.includes('UBND xã, phường') && kinds.includes('Sở, ban, ngành'), kinds.join('|'));
  await page.locator('#f-kind').selectOption('department');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sở Du lịch' }).waitFor();
  await expectText(assert, page.locator('main'), /Đã tạo cơ quan/);
  await shot(page, 'agency-new-phone');
  // the same code again: 409 shown
  await open(page, env.base, '/agencies/new');
  await page.locator('#f-code').fill('000.00.16.H06');
  await page.locator('#f-name').fill('Sở Du lịch 2');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.getByRole('alert').waitFor();
  assertClean(assert, page);
  await page.context().close();
});
