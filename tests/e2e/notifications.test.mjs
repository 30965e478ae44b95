// Notifications in the browser: a citizen files a dossier and the centre
// receives it (through the API); the citizen's header shows one unread
// notification, the list says the dossier was received with its appointment
// and links to it, and reading it clears the count; an officer of the centre,
// on a phone, finds the new dossier waiting in the team's queue. Each page
// checked with axe-core, with screenshots on a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, shot, assertClean, assertAccessible, openMenu, expectText, PHONE } from './lib/e2e.mjs';
import { signedIn, as } from '../api/lib/helpers.mjs';
import { makePdf } from '../api/lib/files.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

let code;
test('a citizen files a dossier and the centre receives it (API)', async () => {
  const srv = env.server;
  const citizen = await signedIn(srv, 'nguoidan1');
  const d = await as(srv, citizen, '/api/v1/drafts', 'POST', { procedure: '2.000488', applicant_id_number: '001190012345' });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  const up = await srv.json(`/api/v1/drafts/${d.body.id}/files?filename=to-khai.pdf&component=0`, {
    method: 'POST', body: makePdf('To khai'),
    headers: { Cookie: `tinhso_session=${citizen.cookie}`, 'X-CSRF-Token': citizen.csrf, 'Content-Type': 'application/pdf' },
  });
  assert.equal(up.status, 201);
  const s = await as(srv, citizen, `/api/v1/drafts/${d.body.id}/submit`, 'POST');
  assert.equal(s.status, 201);
  code = s.body.code;
  const r = await as(srv, await signedIn(srv, 'ttpvhcc.canbo1'), `/api/v1/dossiers/${code}/actions`, 'POST', { action: 'receive' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('the citizen sees one unread notification, reads it, and the count goes', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'nguoidan1');
  const link = page.getByRole('link', { name: /^Thông báo/ });
  await expectText(assert, link, /Thông báo\s*1\s*chưa đọc/);
  await link.click();
  await page.getByRole('heading', { level: 1, name: 'Thông báo' }).waitFor();
  const item = page.locator('.notice').first();
  await expectText(assert, item, new RegExp(`Hồ sơ ${code.replace(/\./g, '\\.')} đã được tiếp nhận`));
  await expectText(assert, item, /Hẹn trả kết quả: \d\d:\d\d ngày \d\d\/\d\d\/\d{4}/);
  await expectText(assert, page.locator('[role=status]'), /Đã đánh dấu 1 thông báo là đã đọc/);
  await expectText(assert, link, /chưa đọc/, { not: true });
  await assertAccessible(assert, page, 'the notifications');
  await shot(page, 'notifications-citizen-desktop');
  // the notice links to the dossier
  await item.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: new RegExp(code.replace(/\./g, '\\.')) }).waitFor();
  assertClean(assert, page);
});

test('an officer of the centre, on a phone, finds the new dossier in the team queue', async () => {
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'ttpvhcc.canbo2');
  await openMenu(page);
  await page.getByRole('link', { name: /^Thông báo/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Thông báo' }).waitFor();
  const item = page.locator('.notice').first();
  await expectText(assert, item, new RegExp(`Hồ sơ ${code.replace(/\./g, '\\.')} chờ xử lý`));
  await expectText(assert, item, /Gửi cho bộ phận của bạn/);
  await assertAccessible(assert, page, 'the notifications on a phone');
  await shot(page, 'notifications-officer-phone');
  assertClean(assert, page);
});
