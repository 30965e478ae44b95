// Accountable API tokens and the bootstrap token (issue 8 items 2 and 9,
// docs/decisions.md §30): a token belongs to an owner account and a
// purpose, never grants more than its owner holds at the time of use (it
// stops the moment the owner is disabled or loses the role), expires
// (90 days by default, at most a year), mints tokens only when made for it;
// the bootstrap token is 32+ random bytes, guessing it is throttled and
// logged, and it retires once a system admin account exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshDb, cli, ADMIN_TOKEN } from './lib/server.mjs';
import { assertProblem, signedIn, firstSignIn, as } from './lib/helpers.mjs';

const ROOT = '000.00.00.H06';
const STP = '000.00.03.H06'; // Sở Tư pháp
const SYT = '000.00.07.H06'; // Sở Y tế
const DAY = 86400 * 1000;

let srv;
const sql = (q) => (srv.db.sqlite ? srv.db.sqlite(q) : srv.db.psql(q));

before(async () => { srv = await startServer(); });
after(async () => { await srv?.close(); });

function bearer(s, token, path, method = 'GET', body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return s.json(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function idOf(username) {
  const r = await srv.admin(`/api/v1/accounts?q=${encodeURIComponent(username)}`, 'GET');
  const a = r.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username}`);
  return a.id;
}

const newOfficer = (username, agency = STP) => ({
  username, full_name: 'Nguyễn Văn Thử', password: 'sông hồng chảy ra biển', role: 'officer', agency_code: agency,
});

// The review's attack: an agency admin mints an agency_admin token; the
// root admin removes the grant (then, for another admin, disables the
// account); the token must fail at once for creating accounts, minting
// tokens and resetting passwords.
test('a token stops working the moment its owner loses the role or is disabled', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const made = await as(srv, stp, '/api/v1/tokens', 'POST', {
    name: 'Kết nối LGSP', purpose: 'Đồng bộ tài khoản cán bộ', agency_code: STP, permissions: ['agency_admin'], can_mint_tokens: true,
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const token = made.body.token;
  assert.equal(made.body.owner.username, 'stp.quantri');
  assert.equal(made.body.can_mint_tokens, true);
  // it works while its owner holds agency_admin on Sở Tư pháp
  assert.equal((await bearer(srv, token, '/api/v1/accounts', 'POST', newOfficer('tok.one'))).status, 201);
  const canbo2 = await idOf('stp.canbo2');
  assert.equal((await bearer(srv, token, `/api/v1/accounts/${canbo2}/password`, 'POST', { password: 'đêm trăng sáng trên sông' })).status, 204);
  const child = await bearer(srv, token, '/api/v1/tokens', 'POST', { name: 'Con', purpose: 'Đọc', agency_code: STP, permissions: ['agency_admin'] });
  assert.equal(child.status, 201, JSON.stringify(child.body));
  assert.equal(child.body.owner.username, 'stp.quantri', 'a minted token belongs to the same owner');

  // the root admin removes the grant
  const root = await signedIn(srv, 'quantri');
  const owner = await idOf('stp.quantri');
  const grant = (await as(srv, root, `/api/v1/accounts/${owner}`)).body.grants.find((g) => g.role === 'agency_admin');
  assert.equal((await as(srv, root, `/api/v1/accounts/${owner}/grants/${grant.id}`, 'DELETE')).status, 204);
  for (const t of [token, child.body.token]) {
    const r = await bearer(srv, t, '/api/v1/accounts', 'POST', newOfficer('tok.two'));
    assertProblem(r, 401);
    assert.match(r.body.detail, /không còn giữ vai trò/);
    assertProblem(await bearer(srv, t, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['agency_admin'] }), 401);
    assertProblem(await bearer(srv, t, `/api/v1/accounts/${canbo2}/password`, 'POST', { password: 'kẻ gian đổi mật khẩu' }), 401);
  }
  assert.equal((await srv.admin('/api/v1/accounts?q=tok.two', 'GET')).body.total, 0, 'nothing was created');
  // given the role back, the token works again: the grants are read on every use
  assert.equal((await as(srv, root, `/api/v1/accounts/${owner}/grants`, 'POST', { role: 'agency_admin', agency: STP })).status, 201);
  assert.equal((await bearer(srv, token, '/api/v1/me')).status, 200);

  // another agency admin's token; the root admin disables that account
  const syt = await signedIn(srv, 'syt.quantri');
  const t2 = (await as(srv, syt, '/api/v1/tokens', 'POST', { name: 'Báo cáo', purpose: 'Báo cáo y tế', agency_code: SYT, permissions: ['agency_admin'] })).body.token;
  assert.equal((await bearer(srv, t2, '/api/v1/me')).status, 200);
  assert.equal((await as(srv, root, `/api/v1/accounts/${await idOf('syt.quantri')}`, 'PATCH', { disabled: true })).status, 200);
  assertProblem(await bearer(srv, t2, '/api/v1/accounts', 'POST', newOfficer('tok.three', SYT)), 401);
  assertProblem(await bearer(srv, t2, `/api/v1/accounts/${await idOf('syt.canbo1')}/password`, 'POST', { password: 'kẻ gian đổi mật khẩu' }), 401);
  assertProblem(await bearer(srv, t2, '/api/v1/me'), 401);
  // listings say whose it is
  const listed = (await as(srv, root, '/api/v1/tokens')).body.items.find((t) => t.name === 'Báo cáo');
  assert.equal(listed.owner.username, 'syt.quantri');
  assert.equal(listed.purpose, 'Báo cáo y tế');
});

test('tokens cannot mint tokens unless made for it, and a minted one never outlives or outranks its maker', async () => {
  const ttp = await signedIn(srv, 'ttpvhcc.quantri');
  const centre = '000.20.01.H06';
  const plain = (await as(srv, ttp, '/api/v1/tokens', 'POST', { name: 'Thường', purpose: 'Đọc danh sách', agency_code: centre, permissions: ['agency_admin'] })).body;
  assert.equal(plain.can_mint_tokens, false);
  const r = await bearer(srv, plain.token, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: centre, permissions: ['agency_admin'] });
  assertProblem(r, 403);
  assert.match(r.body.detail, /không được tạo để cấp mã/);
  const minter = (await as(srv, ttp, '/api/v1/tokens', 'POST', {
    name: 'Cấp mã', purpose: 'Cấp mã cho máy trạm', agency_code: centre, permissions: ['agency_admin'], can_mint_tokens: true,
    expires_at: new Date(Date.now() + 10 * DAY).toISOString(),
  })).body;
  // a minted token cannot mint, outlive its maker, or reach outside it
  assertProblem(await bearer(srv, minter.token, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: centre, permissions: ['agency_admin'], can_mint_tokens: true }), 403);
  assertProblem(await bearer(srv, minter.token, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: centre, permissions: ['agency_admin'], expires_at: new Date(Date.now() + 20 * DAY).toISOString() }), 422, 'expires_at');
  // without an expiry, it ends with its maker
  const dflt = await bearer(srv, minter.token, '/api/v1/tokens', 'POST', { name: 'Máy trạm 0', purpose: 'Tiếp nhận hồ sơ', agency_code: centre, permissions: ['agency_admin'] });
  assert.equal(dflt.status, 201, JSON.stringify(dflt.body));
  assert.equal(dflt.body.expires_at, minter.expires_at);
  assertProblem(await bearer(srv, minter.token, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: STP, permissions: ['agency_admin'], expires_at: new Date(Date.now() + DAY).toISOString() }), 403);
  const ok = await bearer(srv, minter.token, '/api/v1/tokens', 'POST', { name: 'Máy trạm 1', purpose: 'Tiếp nhận hồ sơ', agency_code: centre, permissions: ['agency_admin'], expires_at: new Date(Date.now() + DAY).toISOString() });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.created_by, `token:${minter.id}`);
  // nor carry a role its owner does not hold there
  assertProblem(await as(srv, ttp, '/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: centre, permissions: ['leader'] }), 422, 'permissions');
});

test('tokens expire: 90 days by default, at most a year, listed as expired and refused after', async () => {
  const stp = await signedIn(srv, 'stp.quantri');
  const body = { name: 'Hạn', purpose: 'Thử thời hạn', agency_code: STP, permissions: ['agency_admin'] };
  const t = await as(srv, stp, '/api/v1/tokens', 'POST', body);
  assert.equal(t.status, 201);
  const left = Date.parse(t.body.expires_at) - Date.now();
  assert.ok(Math.abs(left - 90 * DAY) < 120000, `90 days: ${t.body.expires_at}`);
  assert.equal(t.body.expired, false);
  for (const expires_at of [new Date(Date.now() + 400 * DAY).toISOString(), '2020-01-01', 'next year', '2026-13-01']) {
    const r = await as(srv, stp, '/api/v1/tokens', 'POST', { ...body, expires_at });
    assertProblem(r, 422, 'expires_at');
  }
  const year = await as(srv, stp, '/api/v1/tokens', 'POST', { ...body, expires_at: new Date(Date.now() + 365 * DAY).toISOString().slice(0, 10) });
  assert.equal(year.status, 201, JSON.stringify(year.body));
  assertProblem(await as(srv, stp, '/api/v1/tokens', 'POST', { ...body, purpose: undefined }), 422, 'purpose');
  // the day comes
  assert.equal((await bearer(srv, t.body.token, '/api/v1/me')).status, 200);
  sql(`UPDATE api_tokens SET expires_at = expires_at - ${90 * 86400 + 60} WHERE id = ${t.body.id}`);
  const r = await bearer(srv, t.body.token, '/api/v1/me');
  assertProblem(r, 401);
  assert.match(r.headers.get('www-authenticate') || '', /invalid_token/);
  const listed = (await as(srv, stp, '/api/v1/tokens')).body.items.find((x) => x.id === t.body.id);
  assert.equal(listed.expired, true);
  assert.ok(listed.last_used_at, 'last use listed');
  assert.equal(listed.owner.username, 'stp.quantri');
});

test('the bootstrap token cannot make tokens: a token needs an owner account', async () => {
  const r = await srv.admin('/api/v1/tokens', 'POST', { name: 'x', purpose: 'x', agency_code: ROOT, permissions: ['system_admin'] });
  assertProblem(r, 403);
  assert.match(r.body.detail, /đăng nhập bằng tài khoản quản trị/);
});

// ---------------------------------------------------------------- item 9

test('a short or patterned bootstrap token is refused at start, in both languages', () => {
  const db = freshDb();
  try {
    for (const tok of ['abc', 'test-admin-token-0123456789abcdef', 'a'.repeat(64), '0123456789'.repeat(7)]) {
      const r = cli(['serve', '--db', db.url, '--listen', '127.0.0.1:0'], { env: { ...process.env, TINHSO_ADMIN_TOKEN: tok }, timeout: 20000 });
      assert.equal(r.status, 1, `refused: ${tok}`);
      assert.match(r.stderr, /quá yếu/);
      assert.match(r.stderr, /too weak/);
    }
  } finally {
    db.cleanup();
  }
});

test('guessing bearer tokens is throttled per address and logged; the right bootstrap token waits too', async () => {
  const s = await startServer({ demo: false });
  try {
    const wrong = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith('0') ? '1' : '0');
    const seen = [];
    for (let i = 0; i < 10; i++) seen.push((await bearer(s, i % 2 ? 'tsk_' + 'B'.repeat(43) : wrong, '/api/v1/accounts')).status);
    assert.deepEqual(seen.slice(0, 9), [403, 401, 403, 401, 403, 401, 403, 401, 403]);
    assert.equal(seen[9], 429, 'the tenth wrong token locks the address');
    const locked = await bearer(s, wrong, '/api/v1/accounts');
    assertProblem(locked, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assertProblem(await bearer(s, ADMIN_TOKEN, '/api/v1/accounts'), 429);
    assert.match(s.log, /wrong bearer token from 127\.0\.0\.1/);
  } finally {
    await s.close();
  }
});

test('the bootstrap token retires once a system admin account exists (unless admin_token_after_setup)', async () => {
  const s = await startServer({ demo: false, env: { TINHSO_ADMIN_TOKEN_AFTER_SETUP: '' } });
  try {
    assert.equal((await s.admin('/api/v1/accounts', 'GET')).status, 200, 'works for the first set-up');
    assert.equal((await s.admin('/api/v1/agencies', 'POST', { code: ROOT, name: 'UBND tỉnh' })).status, 201);
    const first = await s.admin('/api/v1/accounts', 'POST', {
      username: 'quantri.dau', full_name: 'Người quản trị đầu tiên', password: 'quản trị hệ thống tỉnh', role: 'system_admin', agency_code: ROOT,
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const r = await s.admin('/api/v1/accounts', 'GET');
    assertProblem(r, 403);
    assert.match(r.body.detail, /ngừng hiệu lực/);
    // the administrator it made carries on
    // (its password was set by the bootstrap token: a temporary one, changed first)
    const sa = await firstSignIn(s, 'quantri.dau', 'quản trị hệ thống tỉnh');
    assert.equal((await as(s, sa, '/api/v1/accounts')).status, 200);
  } finally {
    await s.close();
  }
  // explicitly kept by configuration
  const kept = await startServer({ env: { TINHSO_ADMIN_TOKEN_AFTER_SETUP: '1' } });
  try {
    assert.equal((await kept.admin('/api/v1/accounts', 'GET')).status, 200);
  } finally {
    await kept.close();
  }
});
