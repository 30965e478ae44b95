// e2e.mjs — browser test helpers: a real tinhso server on a fresh demo database
// (tests/api/lib/server.mjs), and Debian's chromium driven by playwright-core
// (never a downloaded browser).
//
// Environment: TINHSO_BIN (default build/tinhso at the repository root),
// CHROMIUM (default /usr/bin/chromium), TINHSO_E2E_PG (a throw-away
// PostgreSQL server's URL: each test file's server gets its own database
// there; without it the browser tests run on SQLite).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../../..');
process.env.TINHSO_BIN ||= join(ROOT, 'build/tinhso');
// the API suites' variable must not leak in: the backend is chosen here
if (process.env.TINHSO_E2E_PG) process.env.TINHSO_TEST_PG = process.env.TINHSO_E2E_PG;
else delete process.env.TINHSO_TEST_PG;
const { startServer } = await import('../../api/lib/server.mjs');

export const PASSWORD = 'TinhSo@2025demo';
export const SHOTS = join(ROOT, 'test-output/screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 768 };

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// One server (fresh demo database) and one browser for a test file.
// opts.mfaRequired: the product's mfa_required_roles (tests/api/lib/server.mjs).
export async function setup(opts = {}) {
  const server = await startServer({ demo: true, args: ['--threads', '2', '--no-access-log'], mfaRequired: opts.mfaRequired });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, headless: true });
  } catch (e) {
    await server.close();
    throw e;
  }
  const env = {
    server,
    browser,
    base: server.base,
    // a new page in its own context (own cookies and localStorage); viewport: PHONE or DESKTOP
    async page(viewport = DESKTOP) {
      const ctx = await browser.newContext({
        viewport, deviceScaleFactor: 1, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh',
        isMobile: viewport === PHONE, hasTouch: viewport === PHONE,
      });
      ctx.setDefaultTimeout(10000);
      const page = await ctx.newPage();
      page.cspViolations = [];
      page.pageErrors = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to (apply|execute|load)/i.test(m.text())) page.cspViolations.push(m.text());
      });
      page.on('pageerror', (e) => page.pageErrors.push(String(e)));
      return page;
    },
    async close() {
      await browser?.close().catch(() => {});
      await server.close();
    },
  };
  return env;
}

export async function open(page, base, route = '/') {
  await page.goto(`${base}/#${route}`);
  await page.locator('main h1').first().waitFor();
}

export async function signIn(page, base, username, password = PASSWORD) {
  await open(page, base, '/login');
  await page.getByLabel('Tên đăng nhập', { exact: false }).first().fill(username);
  await page.locator('#f-password').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
}

export async function signOut(page) {
  await page.getByRole('button', { name: /Đăng xuất|Sign out/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Tỉnh số' }).waitFor();
}

// Phone screens hide the navigation behind the menu button.
export async function openMenu(page) {
  const toggle = page.locator('.menu-toggle');
  if (await toggle.isVisible() && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// The page broke no CSP rule and threw no error.
// The text a locator holds, once it matches (or, with `not`, once it no
// longer does): pages fill in after their heading, so reading textContent()
// right after a heading appears races the fetch that fills the rest.
export async function expectText(assert, locator, re, { not = false, timeout = 15000 } = {}) {
  const until = Date.now() + timeout;
  let text = '';
  for (;;) {
    text = (await locator.first().textContent({ timeout }).catch(() => '')) ?? '';
    if (re.test(text) !== not) return text;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (not) assert.doesNotMatch(text, re);
  else assert.match(text, re);
  return text;
}

export function assertClean(assert, page) {
  assert.deepEqual(page.cspViolations, [], 'CSP violations');
  assert.deepEqual(page.pageErrors, [], 'page errors');
}

// axe-core (npm), run in the page through the devtools protocol, which the
// page's CSP does not govern: no serious or critical violation.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export async function assertAccessible(assert, page, what) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(bad, [], `axe on ${what}`);
}
