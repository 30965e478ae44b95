// The one-stop desk through the browser: the centre's officer takes the
// judicial record card in at the counter for a citizen who has an account
// (finds the procedure, the applicant's details, the papers scanned in with
// progress, on to the dossier's page); a commune officer does the same on a
// phone for a commune procedure; the centre's leader gives two dossiers to
// an officer at once from the queue; at the last step the officer uploads
// the result and finishes; the citizen downloads the result from the
// dossier's page and finds it in the document store. Each page checked
// with axe-core, with screenshots on a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, open, signIn, shot, assertClean, assertAccessible, PHONE, expectText } from './lib/e2e.mjs';
import { signedIn, as as asApi } from '../api/lib/helpers.mjs';
import { makePdf, PNG } from '../api/lib/files.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const pages = {};
async function as(user, viewport) {
  if (!pages[user]) {
    pages[user] = await env.page(viewport);
    await signIn(pages[user], env.base, user);
  }
  return pages[user];
}
const apiSessions = {};
async function api(user, path, method = 'GET', body) {
  apiSessions[user] ||= await signedIn(env.server, user);
  const r = await asApi(env.server, apiSessions[user], path, method, body);
  assert.ok(r.status < 300, `${method} ${path} as ${user}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Open route afresh (a hash that is already the page's would not read it again).
async function openFresh(page, route) {
  if (page.url() === `${env.base}/#${route}`) {
    await page.reload();
    await page.locator('main h1').first().waitFor();
  } else await open(page, env.base, route);
}

const RESULT = makePdf('Phieu ly lich tu phap so 0815/LLTP');
let code; // taken in at the counter, owned by nguoidan1

test('the centre\'s officer takes a dossier in at the counter and scans its papers', async () => {
  const page = await as('ttpvhcc.canbo1');
  await open(page, env.base, '/ho-so');
  await page.getByRole('link', { name: 'Tiếp nhận hồ sơ trực tiếp' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tiếp nhận hồ sơ trực tiếp' }).waitFor();
  await page.locator('#f-q').fill('ly lich tu phap');
  await page.getByRole('button', { name: 'Tìm thủ tục' }).click();
  await expectText(assert, page.locator('main [role=status]'), /Tìm thấy 1 thủ tục/);
  await assertAccessible(assert, page, 'the procedure search');
  await shot(page, 'intake-search-desktop');
  await page.getByRole('button', { name: /^Cấp Phiếu lý lịch tư pháp/ }).click();
  await page.getByRole('heading', { level: 2, name: 'Thông tin hồ sơ' }).waitFor();
  await expectText(assert, page.locator('form.intake'), /Cơ quan tiếp nhận: Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh/);
  // the name is required: said at the field, nothing sent
  await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
  await expectText(assert, page.locator('#f-applicant_name-error'), /Không được để trống/);
  // a wrong identity number comes back from the server at its field
  await page.locator('#f-applicant_name').fill('Nguyễn Thị Thu');
  await page.locator('#f-applicant_id_number').fill('12ab');
  await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
  await expectText(assert, page.locator('#f-applicant_id_number-error'), /Sai định dạng/);
  await page.locator('#f-applicant_id_number').fill('001190012345');
  await page.locator('#f-applicant_phone').fill('0912345678');
  await page.locator('#f-applicant_address').fill('Số 5 đường Lý Thái Tổ, phường Kinh Bắc, tỉnh Bắc Ninh');
  await page.locator('#f-owner').fill('nguoidan1');
  await assertAccessible(assert, page, 'the intake form');
  await shot(page, 'intake-form-desktop');
  await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đã tiếp nhận hồ sơ' }).waitFor();
  code = (await page.locator('.big-code').textContent()).trim();
  assert.match(code, /^000\.20\.01\.H06-\d{6}-\d{4}$/);
  await expectText(assert, page.locator('.alert-success'), new RegExp(`Đã tiếp nhận hồ sơ ${code.replace(/\./g, '\\.')}\\. Hẹn trả kết quả: \\d\\d:\\d\\d`));
  // the papers: the declaration, then a scan of the whole dossier
  await page.locator('#f-file-0').setInputFiles({ name: 'tờ khai.pdf', mimeType: 'application/pdf', buffer: makePdf('To khai tai quay') });
  await expectText(assert, page.locator('.task').first(), /tờ khai\.pdf/);
  await expectText(assert, page.locator('.task').first(), /Đã số hóa/);
  // a file that is not what it says is refused at its field
  await page.locator('#f-scan').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf at all') });
  await expectText(assert, page.locator('#f-scan-error'), /.+/);
  await page.locator('#f-scan').setInputFiles({ name: 'ban-quet.png', mimeType: 'image/png', buffer: PNG });
  await expectText(assert, page.locator('.task').last(), /ban-quet\.png/);
  await assertAccessible(assert, page, 'the intake papers');
  await shot(page, 'intake-papers-desktop');
  await page.getByRole('link', { name: 'Xem hồ sơ' }).click();
  await page.getByRole('heading', { level: 1, name: `Hồ sơ ${code}` }).waitFor();
  const text = await expectText(assert, page.locator('.facts'), /Được tiếp nhận/);
  assert.match(text, /Trực tiếp/);
  await expectText(assert, page.locator('main'), /ban-quet\.png \(bản quét\)/);
  const d = await api('nguoidan1', `/api/v1/dossiers/${code}`);
  assert.equal(d.applicant.name, 'Nguyễn Thị Thu');
  assert.equal(d.channel, 'counter');
  assert.deepEqual(d.files.map((f) => f.kind).sort(), ['component', 'scan']);
  assertClean(assert, page);
});

test('a commune officer takes in a commune procedure on a phone', async () => {
  const page = await env.page(PHONE);
  await signIn(page, env.base, 'xa1.canbo');
  await open(page, env.base, '/tiep-nhan?procedure=1.001193');
  await page.getByRole('heading', { level: 2, name: 'Thông tin hồ sơ' }).waitFor();
  // the officer's own commune is the one offered
  const options = await page.locator('#f-unit option').allTextContents();
  assert.equal(options.length, 2, options.join(' | '));
  await page.locator('#f-channel').selectOption('post');
  await page.locator('#f-applicant_name').fill('Phạm Văn Long');
  await assertAccessible(assert, page, 'the intake form on a phone');
  await shot(page, 'intake-form-phone');
  await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đã tiếp nhận hồ sơ' }).waitFor();
  await assertAccessible(assert, page, 'the intake papers on a phone');
  await shot(page, 'intake-papers-phone');
  assertClean(assert, page);
  await page.context().close();
});

test('the centre\'s leader gives two dossiers to an officer at once', async () => {
  assert.ok(code, 'taken in by the first test');
  const other = await api('ttpvhcc.canbo1', '/api/v1/dossiers', 'POST', {
    procedure: '2.000488', channel: 'post', applicant_name: 'Đỗ Minh Khoa', applicant_id_number: '027185001111',
  });
  const page = await as('ttpvhcc.lanhdao');
  await open(page, env.base, '/ho-so');
  await page.getByRole('link', { name: code }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Giao xử lý' }).waitFor();
  // nothing chosen yet: the button waits
  assert.equal(await page.getByRole('button', { name: 'Giao xử lý', exact: true }).isDisabled(), true);
  await page.getByRole('checkbox', { name: `Chọn hồ sơ ${code}` }).check();
  await page.getByRole('checkbox', { name: `Chọn hồ sơ ${other.code}` }).check();
  await expectText(assert, page.locator('form.bulk [role=status]'), /Đã chọn 2 hồ sơ/);
  await page.locator('#f-assignee option', { hasText: 'Lý Thị Ngọc' }).waitFor({ state: 'attached' });
  const people = await page.locator('#f-assignee option').allTextContents();
  assert.ok(people.includes('Dương Văn Minh') && !people.includes('Phan Văn Phúc'), people.join(' | '));
  await page.locator('#f-assignee').selectOption({ label: 'Lý Thị Ngọc' });
  await assertAccessible(assert, page, 'the queue with two dossiers chosen');
  await shot(page, 'queue-bulk-desktop');
  await page.getByRole('button', { name: 'Giao xử lý 2 hồ sơ' }).click();
  await expectText(assert, page.locator('.alert-success'), /Đã giao 2 hồ sơ cho Lý Thị Ngọc\./);
  for (const c of [code, other.code]) {
    await expectText(assert, page.locator('tr', { has: page.getByRole('link', { name: c }) }), /Lý Thị Ngọc/);
    assert.equal((await api('ttpvhcc.canbo1', `/api/v1/dossiers/${c}`)).assignee.name, 'Lý Thị Ngọc');
  }
  await assertAccessible(assert, page, 'the queue after the assignment');
  await page.setViewportSize(PHONE);
  await shot(page, 'queue-bulk-phone');
  await page.setViewportSize({ width: 1366, height: 768 });
  assertClean(assert, page);
});

test('at the last step the officer uploads the result and finishes; the owner downloads it and keeps it', async () => {
  assert.ok(code);
  // through the department's steps to the centre's last one
  await api('ttpvhcc.canbo2', `/api/v1/dossiers/${code}/actions`, 'POST', { action: 'forward' });
  await api('stp.canbo1', `/api/v1/dossiers/${code}/actions`, 'POST', { action: 'forward' });
  const d = await api('stp.lanhdao', `/api/v1/dossiers/${code}/actions`, 'POST', { action: 'forward' });
  assert.equal(d.step, d.steps.length - 1);
  const page = await as('ttpvhcc.canbo1');
  await openFresh(page, `/ho-so/${code}`);
  await page.getByRole('heading', { level: 2, name: 'Kết quả giải quyết' }).waitFor();
  await expectText(assert, page.locator('section[aria-labelledby=results-h]'), /Chưa có tệp kết quả/);
  await page.locator('#f-result').setInputFiles({ name: 'phiếu lý lịch tư pháp.pdf', mimeType: 'application/pdf', buffer: RESULT });
  await expectText(assert, page.locator('section[aria-labelledby=results-h] .alert-success'), /Đã tải lên kết quả "phiếu lý lịch tư pháp\.pdf"/);
  await page.getByRole('link', { name: 'phiếu lý lịch tư pháp.pdf' }).waitFor();
  await assertAccessible(assert, page, 'the dossier with its result');
  await shot(page, 'dossier-result-desktop');
  // then finish and return it
  await page.locator('#f-action').selectOption('finish');
  await page.locator('#f-result_number').fill('0815/LLTP');
  await page.locator('#f-signer').fill('Hoàng Văn Em');
  await page.locator('form[aria-labelledby="act-h"] button[type=submit]').click();
  await expectText(assert, page.locator('.alert-success', { hasText: 'Đã cập nhật hồ sơ' }), /Đã cập nhật hồ sơ: Đã xử lý xong/);
  await expectText(assert, page.locator('section[aria-labelledby=results-h]'), /0815\/LLTP/);
  await page.locator('#f-result').waitFor(); // done: the desk may still add one
  await page.locator('#f-action').selectOption('return');
  await page.locator('#f-way').selectOption('online');
  await page.locator('form[aria-labelledby="act-h"] button[type=submit]').click();
  await expectText(assert, page.locator('.alert-success', { hasText: 'Đã cập nhật hồ sơ' }), /Đã trả kết quả/);
  assert.equal(await page.locator('#f-result').count(), 0, 'returned: no more uploads');
  assertClean(assert, page);

  // the owner, on a phone: the result on the dossier's page, downloaded
  const mine = await as('nguoidan1', PHONE);
  await open(mine, env.base, `/ho-so/${code}`);
  const link = mine.getByRole('link', { name: 'phiếu lý lịch tư pháp.pdf' });
  await link.waitFor();
  const [dl] = await Promise.all([mine.waitForEvent('download'), link.click()]);
  assert.equal(dl.suggestedFilename(), 'phiếu lý lịch tư pháp.pdf');
  assert.deepEqual(readFileSync(await dl.path()), RESULT);
  await assertAccessible(assert, mine, "the owner's dossier with its result");
  await shot(mine, 'dossier-result-owner-phone');
  // and in the document store, with the dossier it came from
  await open(mine, env.base, '/services');
  await mine.getByRole('link', { name: 'Kho dữ liệu giấy tờ của tôi' }).click();
  await mine.getByRole('heading', { level: 1, name: 'Kho dữ liệu giấy tờ' }).waitFor();
  const results = mine.locator('section[aria-labelledby=docs-results]');
  const text = await expectText(assert, results, /phiếu lý lịch tư pháp\.pdf/);
  assert.match(text, new RegExp(`Hồ sơ ${code.replace(/\./g, '\\.')}`));
  await expectText(assert, mine.locator('section[aria-labelledby=docs-papers]'), /tờ khai\.pdf/);
  const [dl2] = await Promise.all([mine.waitForEvent('download'), results.getByRole('link', { name: 'phiếu lý lịch tư pháp.pdf' }).click()]);
  assert.deepEqual(readFileSync(await dl2.path()), RESULT);
  await assertAccessible(assert, mine, 'the document store');
  await shot(mine, 'documents-phone');
  await mine.setViewportSize({ width: 1366, height: 768 });
  await shot(mine, 'documents-desktop');
  await results.getByRole('link', { name: code }).click();
  await mine.getByRole('heading', { level: 1, name: `Hồ sơ ${code}` }).waitFor();
  for (const p of Object.values(pages)) assertClean(assert, p);
});
