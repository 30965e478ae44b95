// My sessions on the account page (ASVS 3.3.4): the devices signed in to my
// account, each with its address and times; ending one of them, and the
// others at once. Checked with axe-core, on a desktop and a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, shot, assertClean, assertAccessible, PASSWORD, PHONE, expectText } from './lib/e2e.mjs';

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

// A sign-in from "another device": a phone's browser, through the API.
async function elsewhere(username) {
  const r = await fetch(`${env.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': ANDROID },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  const cookie = /tinhso_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1];
  return () => fetch(`${env.base}/api/v1/me`, { headers: { Cookie: `tinhso_session=${cookie}` } }).then((x) => x.status);
}

test('the account page lists my sessions and ends the one on another device', async () => {
  const phone = await elsewhere('stp.canbo2');
  const page = await env.page();
  await signIn(page, env.base, 'stp.canbo2');
  const section = page.getByTestId('sessions');
  await section.getByRole('heading', { level: 2, name: 'Phiên đăng nhập' }).waitFor();
  const rows = section.getByTestId('session');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const here = rows.filter({ hasText: 'Thiết bị này' });
  assert.equal(await here.count(), 1);
  await section.getByText('Chrome · Android').waitFor();
  await expectText(assert, section, /127\.0\.0\.1/);
  await assertAccessible(assert, page);
  await shot(page, 'sessions-desktop');
  await section.getByRole('button', { name: 'Kết thúc phiên trên Chrome · Android' }).click();
  await section.getByRole('alert').or(section.locator('.alert')).first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=session]').length === 1);
  assert.equal(await phone(), 401, 'the phone is signed out');
  assertClean(assert, page);
  await page.context().close();
});

test('on a phone: end all the other sessions', async () => {
  const a = await elsewhere('stp.lanhdao');
  const b = await elsewhere('stp.lanhdao');
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'stp.lanhdao');
  const section = page.getByTestId('sessions');
  await section.getByTestId('session').nth(2).waitFor();
  await assertAccessible(assert, page);
  await shot(page, 'sessions-phone');
  await section.getByRole('button', { name: 'Kết thúc mọi phiên khác' }).click();
  await section.getByText('Đã kết thúc mọi phiên khác.').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=session]').length === 1);
  assert.deepEqual([await a(), await b()], [401, 401]);
  // and English
  await page.evaluate(() => { localStorage.setItem('tinhso.lang', 'en'); });
  await page.reload();
  await page.getByTestId('sessions').getByRole('heading', { level: 2, name: 'Sessions' }).waitFor();
  await page.getByTestId('sessions').getByText('This device', { exact: true }).waitFor();
  await shot(page, 'sessions-phone-en');
  assertClean(assert, page);
  await page.context().close();
});
