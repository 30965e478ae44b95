// Paying a fee at the desk in the browser: the centre takes a dossier at the
// counter and announces its fee (through the API); an officer of the centre
// records a bank transfer on the dossier's page — without the bank's
// reference the form says what is missing and nothing is recorded, with it
// the payment shows with its receipt number and the fee receipt is offered
// as a PDF. Checked with axe-core, with screenshots on a desktop and a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, signIn, shot, assertClean, assertAccessible, expectText, PHONE } from './lib/e2e.mjs';
import { signedIn, as } from '../api/lib/helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('an officer records a bank transfer with its reference and gets the fee receipt', async () => {
  const srv = env.server;
  const centre = await signedIn(srv, 'ttpvhcc.canbo1');
  let r = await as(srv, centre, '/api/v1/dossiers', 'POST', {
    procedure: '2.000488', channel: 'counter', applicant_name: 'Phạm Thị Lan', applicant_id_number: '027190004567',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const code = r.body.code;
  r = await as(srv, centre, `/api/v1/dossiers/${code}/actions`, 'POST', { action: 'fee_due', amount_vnd: 200000 });
  assert.equal(r.status, 200, JSON.stringify(r.body));

  const page = await env.page();
  await signIn(page, env.base, 'ttpvhcc.canbo2');
  await open(page, env.base, `/ho-so/${code}`);
  await page.locator('#f-action').selectOption('pay');
  await page.locator('#f-way').selectOption('bank_transfer');
  await page.locator('form[aria-labelledby="act-h"] button[type=submit]').click();
  await expectText(assert, page.locator('#f-reference-error, .field-error').first(), /mã giao dịch/i);
  await page.locator('#f-reference').fill('FT26337912345');
  await page.locator('form[aria-labelledby="act-h"] button[type=submit]').click();
  await expectText(assert, page.locator('.alert-success'), /Đã cập nhật hồ sơ/);
  await expectText(assert, page.locator('.payments'), new RegExp(`Biên lai số ${code.replace(/\./g, '\\.')}/1: 200\\.000 đồng, chuyển khoản · mã giao dịch FT26337912345`));
  const link = page.getByRole('link', { name: 'Biên lai thu phí, lệ phí (PDF)' });
  assert.equal(await link.getAttribute('href'), `/api/v1/dossiers/${code}/forms/fee.pdf`);
  await assertAccessible(assert, page, 'the dossier with its payment');
  await shot(page, 'payment-desktop');
  assertClean(assert, page);

  const phone = await env.page(PHONE);
  await signIn(phone, env.base, 'ttpvhcc.canbo1');
  await open(phone, env.base, `/ho-so/${code}`);
  await expectText(assert, phone.locator('.payments'), /Biên lai số/);
  await assertAccessible(assert, phone, 'the dossier with its payment on a phone');
  await shot(phone, 'payment-phone');
});
