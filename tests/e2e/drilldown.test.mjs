// From a figure to the dossiers behind it: with a year of demo dossiers, the
// province's system administrator opens the statistics, follows Sở Tư pháp's
// "finished late" figure and gets exactly that many dossiers, each late; a
// visitor who is not signed in sees the same figures without links. Checked
// with axe-core, with screenshots on a desktop and a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, shot, assertClean, assertAccessible, expectText, PHONE } from './lib/e2e.mjs';
import { cli } from '../api/lib/server.mjs';

let env;
before(async () => {
  env = await setup();
  const r = cli(['demo', '--db', env.server.db.url, '--dossiers', '1500']);
  assert.equal(r.status, 0, r.stderr);
});
after(async () => { await env?.close(); });

const day = (ms) => new Date(ms + 7 * 3600e3).toISOString().slice(0, 10);

test('a figure of the form opens the dossiers behind it', async () => {
  const from = day(Date.now() - 400 * 86400e3), to = day(Date.now());
  const form = await env.server.json(`/api/v1/stats/dossiers?from=${from}&to=${to}`);
  const stp = form.body.rows.find((x) => x.agency === '000.00.03.H06');
  assert.ok(stp.finished_late > 0, 'the demo has late dossiers at Sở Tư pháp');

  const anon = await env.page(PHONE);
  await open(anon, env.base, `/thong-ke?from=${from}&to=${to}`);
  await anon.locator('table.table tbody tr').first().waitFor();
  assert.equal(await anon.locator('table.table tbody a').count(), 0, 'no links for the public');
  await shot(anon, 'stats-public-phone');

  const page = await env.page();
  await signIn(page, env.base, 'quantri');
  await open(page, env.base, `/thong-ke?from=${from}&to=${to}`);
  const link = page.getByRole('link', { name: `${stp.finished_late} hồ sơ giải quyết quá hạn của Sở Tư pháp: xem danh sách` });
  await assertAccessible(assert, page, 'the statistics with their links');
  await link.click();
  await page.getByRole('heading', { level: 1, name: 'Hồ sơ cần xử lý' }).waitFor();
  await expectText(assert, page.locator('.alert'), /Hồ sơ của chỉ tiêu «giải quyết quá hạn»/);
  await expectText(assert, page.locator('p[role=status]'), new RegExp(`^${stp.finished_late} hồ sơ`));
  await assertAccessible(assert, page, 'the dossiers behind a figure');
  await shot(page, 'drilldown-desktop');
  assertClean(assert, page);
});
