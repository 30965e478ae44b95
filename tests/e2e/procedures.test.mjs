// The procedure catalogue as a citizen uses it: search without diacritics,
// filter, open a procedure and read its times in plain words, fees, papers
// and legal basis; on a phone and a desktop, in both languages, accessible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, shot, assertClean, assertAccessible, PHONE, expectText } from './lib/e2e.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('search "ly lich tu phap" without diacritics and open the judicial record card', async () => {
  const page = await env.page();
  await open(page, env.base, '/');
  await page.getByRole('link', { name: /Thủ tục hành chính/ }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Thủ tục hành chính' }).waitFor();
  await page.locator('#f-q').fill('ly lich tu phap');
  await page.getByRole('button', { name: 'Tìm' }).click();
  const hit = page.getByRole('link', { name: /Cấp Phiếu lý lịch tư pháp/ });
  await hit.waitFor();
  await expectText(assert, page.getByRole('status'), /Có 1 thủ tục/);
  await assertAccessible(assert, page);
  await shot(page, 'procedures-search-desktop');
  await hit.click();
  await page.getByRole('heading', { level: 1, name: /Cấp Phiếu lý lịch tư pháp/ }).waitFor();
  const kase = page.locator('.proc-case').first();
  await expectText(assert, kase, /Nộp trực tuyến\s*10 ngày làm việc/);
  await expectText(assert, kase, /200\.000 đồng/);
  await expectText(assert, page.locator('main'), /Luật Lý lịch tư pháp/);
  await expectText(assert, page.locator('main'), /không phải nộp nếu đã có trong cơ sở dữ liệu quốc gia/);
  await assertAccessible(assert, page);
  await shot(page, 'procedure-desktop');
  assertClean(assert, page);
  await page.context().close();
});

test('a same-day commune procedure on a phone, and in English', async () => {
  const page = await env.page(PHONE);
  await open(page, env.base, '/procedures?level=commune');
  await page.getByRole('heading', { level: 1, name: 'Thủ tục hành chính' }).waitFor();
  const item = page.locator('.proc-list li', { hasText: 'Chứng thực bản sao' });
  await expectText(assert, item, /Giải quyết trong ngày/);
  await item.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /Chứng thực bản sao/ }).waitFor();
  await expectText(assert, page.locator('.proc-case').first(), /4 giờ làm việc \(giải quyết trong ngày nếu nộp trước 15 giờ\)/);
  await expectText(assert, page.locator('main'), /Ủy ban nhân dân xã, phường nơi có yêu cầu/);
  await assertAccessible(assert, page);
  await shot(page, 'procedure-phone');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: /Certifying copies/ }).waitFor();
  await expectText(assert, page.locator('.proc-case').first(), /4 working hours \(the same day when filed before 15:00\)/);
  await assertAccessible(assert, page);
  await shot(page, 'procedure-en-phone');
  assertClean(assert, page);
  await page.context().close();
});
