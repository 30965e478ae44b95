// Sign in, sign out, a wrong password, registration, my account, the language
// switch and a keyboard-only sign-in, in a real browser against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, signOut, shot, openMenu, assertClean, PASSWORD, PHONE, DESKTOP, expectText } from './lib/e2e.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('home and sign-in pages on a phone and a desktop (screenshots)', async () => {
  for (const [vp, tag] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    const page = await env.page(vp);
    await open(page, env.base, '/');
    assert.equal(await page.locator('main h1').textContent(), 'Tỉnh số');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    // the old placeholder's links live on the home page
    for (const href of ['/api/v1/openapi.json', '/api/v1/units?level=1', '/healthz', '/readyz', '/metrics'])
      assert.equal(await page.locator(`main a[href="${href}"]`).count(), 1, href);
    // the services to come
    for (const name of ['Dịch vụ công', 'Phản ánh kiến nghị', 'Báo cáo', 'Trung tâm điều hành'])
      assert.ok(await page.locator('.tile', { hasText: name }).count(), name);
    await shot(page, `home-${tag}`);
    if (vp === PHONE) {
      // the navigation is behind the menu button, which reports its state
      assert.equal(await page.locator('#site-nav').isVisible(), false);
      await openMenu(page);
      assert.equal(await page.locator('.menu-toggle').getAttribute('aria-expanded'), 'true');
      assert.ok(await page.getByRole('link', { name: 'Đăng nhập' }).isVisible());
      await shot(page, 'home-phone-menu');
    }
    await open(page, env.base, '/login');
    assert.equal(await page.locator('main h1').textContent(), 'Đăng nhập');
    await shot(page, `login-${tag}`);
    // a service placeholder (public services and feedback are here: their pages work)
    await open(page, env.base, '/reports');
    await expectText(assert, page.locator('main'), /Sắp có/);
    await open(page, env.base, '/services');
    await expectText(assert, page.locator('main'), /Tra cứu hồ sơ/);
    assertClean(assert, page);
    await page.context().close();
  }
});

test('sign in, my account, sign out', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'nguoidan1');
  assert.equal(await page.getByTestId('account-full-name').textContent(), 'Nguyễn Thị Thu');
  assert.equal(await page.getByTestId('account-username').textContent(), 'nguoidan1');
  await expectText(assert, page.locator('main'), /Công dân/);
  // the session cookie is there, and the page shows the signed-in name in the header
  const cookies = await page.context().cookies();
  assert.ok(cookies.some((c) => c.name === 'tinhso_session' && c.httpOnly));
  assert.ok(await page.locator('.nav-user').getByText('Nguyễn Thị Thu').count());
  await shot(page, 'account-desktop');
  await signOut(page);
  assert.ok(await page.getByRole('link', { name: 'Đăng nhập' }).isVisible());
  assert.equal((await page.context().cookies()).filter((c) => c.name === 'tinhso_session' && c.value).length, 0);
  // my account now asks for a sign-in
  await page.goto(`${env.base}/#/account`);
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  assert.match(page.url(), /#\/login\?next=%2Faccount/);
  assertClean(assert, page);
  await page.context().close();
});

test('a wrong password shows the server\'s message; an empty field its own error', async () => {
  const page = await env.page();
  await open(page, env.base, '/login');
  // nothing typed: errors next to the fields, tied with aria-describedby
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  const user = page.locator('#f-username');
  await page.locator('#f-username-error').waitFor();
  assert.equal(await user.getAttribute('aria-invalid'), 'true');
  assert.match(await user.getAttribute('aria-describedby'), /f-username-error/);
  // a wrong password: the problem's detail at the top, in an alert
  await user.fill('nguoidan1');
  await page.locator('#f-password').fill('not the password');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'alert');
  assert.match(page.url(), /#\/login/);
  await shot(page, 'login-error-desktop');
  assertClean(assert, page);
  await page.context().close();
});

test('register a citizen: field errors from the server, then a new account', async () => {
  const page = await env.page(PHONE);
  await open(page, env.base, '/register');
  await page.locator('#f-username').fill('tranthimai');
  await page.locator('#f-full_name').fill('Trần Thị Mai');
  await page.locator('#f-password').fill('123456789');
  await page.locator('#f-password2').fill('123456789');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  // the server refuses the common password: its message next to the field
  const err = page.locator('#f-password-error');
  await err.waitFor();
  assert.ok((await err.textContent()).length > 3);
  assert.match(await page.locator('#f-password').getAttribute('aria-describedby'), /f-password-error/);
  await shot(page, 'register-error-phone');
  await page.locator('#f-email').fill('mai.tran@example.vn');
  await page.locator('#f-password').fill('hoa sen nở giữa hè');
  await page.locator('#f-password2').fill('hoa sen nở giữa hè');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
  assert.equal(await page.getByTestId('account-full-name').textContent(), 'Trần Thị Mai');
  // the e-mail is shown as typed, and as not verified (decisions §31)
  await expectText(assert, page.getByTestId('account-email'), /mai\.tran@example\.vn \(chưa xác minh/);
  await expectText(assert, page.locator('main'), /Đã tạo tài khoản/);
  // a taken username: 409 naming the field
  await openMenu(page);
  await signOut(page);
  await open(page, env.base, '/register');
  await page.locator('#f-username').fill('tranthimai');
  await page.locator('#f-full_name').fill('Người Khác');
  await page.locator('#f-password').fill('một mật khẩu dài');
  await page.locator('#f-password2').fill('một mật khẩu dài');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.locator('#f-username-error').waitFor();
  assertClean(assert, page);
  await page.context().close();
});

test('change my password', async () => {
  const page = await env.page();
  await signIn(page, env.base, 'nguoidan2');
  await page.locator('#f-old_password').fill('sai mật khẩu cũ');
  await page.locator('#f-new_password').fill('mật khẩu mới của tôi');
  await page.locator('#f-new_password2').fill('mật khẩu mới của tôi');
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await page.getByRole('alert').waitFor();
  await page.locator('#f-old_password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await page.getByText('Đã đổi mật khẩu.', { exact: false }).waitFor();
  await signOut(page);
  await signIn(page, env.base, 'nguoidan2', 'mật khẩu mới của tôi');
  assertClean(assert, page);
  await page.context().close();
});

test('language: English and back, remembered, sent to the API', async () => {
  const page = await env.page();
  await open(page, env.base, '/login');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.ok(await page.getByRole('link', { name: 'Home' }).count());
  // the server answers in English too (Accept-Language)
  await page.locator('#f-username').fill('nguoidan1');
  await page.locator('#f-password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = await page.getByRole('alert').textContent();
  assert.doesNotMatch(alert, /không đúng/);
  assert.match(alert, /[A-Za-z]/);
  await shot(page, 'login-english-desktop');
  // remembered across a reload
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  // and back to Vietnamese
  await page.getByRole('button', { name: 'Chuyển sang tiếng Việt' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.ok(await page.getByRole('link', { name: 'Trang chủ' }).count());
  assertClean(assert, page);
  await page.context().close();
});

test('keyboard only: sign in with Tab and Enter', async () => {
  const page = await env.page();
  await open(page, env.base, '/');
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e.tagName, id: e.id, cls: e.className, text: (e.textContent || '').trim(), outline: getComputedStyle(e).outlineStyle };
  });
  // the first Tab reaches the skip link, and it is visible when focused
  await page.keyboard.press('Tab');
  let f = await focused();
  assert.equal(f.cls, 'skip');
  assert.ok(await page.locator('.skip').isVisible());
  // Tab along the header to the sign-in link; every stop shows a focus ring
  for (let i = 0; i < 20 && f.text !== 'Đăng nhập'; i++) {
    await page.keyboard.press('Tab');
    f = await focused();
    assert.notEqual(f.outline, 'none', `no visible focus on ${f.tag} ${f.text}`);
  }
  assert.equal(f.text, 'Đăng nhập');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  // the new page's heading has the focus; Tab moves into the form
  assert.equal((await focused()).tag, 'H1');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'f-username');
  await page.keyboard.type('stp.canbo1');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'f-password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
  await expectText(assert, page.locator('main'), /Lê Văn Cường/);
  assertClean(assert, page);
  await page.context().close();
});
