// Searching people: GET /api/v1/accounts?q= matches the folded username and
// full name in SQL (search_key, migration 006) with paging and a true total,
// and accounts written before that migration get their key when tinhso
// migrates (on start), so they are found too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshDb, ADMIN_TOKEN } from './lib/server.mjs';

const cleanups = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

const get = (srv, path) => srv.json(path, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

async function register(srv, username, fullName) {
  const r = await srv.json('/api/v1/auth/register', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, full_name: fullName, password: 'hoa sen nở giữa hè' }),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

test('q finds names without diacritics, pages in SQL and counts every match', async () => {
  const srv = await startServer();
  cleanups.push(() => srv.close());
  await register(srv, 'dang.van.nam', 'Đặng Văn Nam');
  await register(srv, 'dang.thi.lan', 'Đặng Thị Lan');
  await register(srv, 'tran.van.dang', 'Trần Văn Đăng');
  for (const q of ['dang', 'ĐẶNG', 'Đặng', 'đặng'.normalize('NFD')]) {
    const r = await get(srv, '/api/v1/accounts?kind=citizen&q=' + encodeURIComponent(q));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((a) => a.username), ['dang.van.nam', 'dang.thi.lan', 'tran.van.dang'], q);
    assert.equal(r.body.total, 3);
  }
  const p2 = await get(srv, '/api/v1/accounts?kind=citizen&q=dang&limit=2&offset=2');
  assert.deepEqual(p2.body.items.map((a) => a.username), ['tran.van.dang']);
  assert.equal(p2.body.total, 3, 'the total counts every match, not the page');
  const past = await get(srv, '/api/v1/accounts?kind=citizen&q=dang&offset=10');
  assert.deepEqual(past.body.items, []);
  assert.equal(past.body.total, 3);
  // the name follows a change of full name
  const id = (await get(srv, '/api/v1/accounts?q=dang.thi.lan')).body.items[0].id;
  const p = await srv.admin(`/api/v1/accounts/${id}`, 'PATCH', { full_name: 'Lê Thị Lan' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal((await get(srv, '/api/v1/accounts?q=' + encodeURIComponent('le thi lan'))).body.total, 1);
  // the old name is gone from the full name; the username (dang.thi.lan) still holds its words
  const old = await get(srv, '/api/v1/accounts?kind=citizen&q=' + encodeURIComponent('đặng thị'));
  assert.deepEqual(old.body.items.map((a) => [a.username, a.full_name]), [['dang.thi.lan', 'Lê Thị Lan']]);
  // wildcards are literal
  assert.equal((await get(srv, '/api/v1/accounts?q=' + encodeURIComponent('%'))).body.total, 0);
  assert.equal((await get(srv, '/api/v1/accounts?q=' + encodeURIComponent('_'))).body.total, 0);
});

test('accounts from before migration 006 are given their search key on the next start', async () => {
  const db = freshDb();
  const srv = await startServer({ db, keepDb: true });
  await register(srv, 'cu.dan.cu', 'Cư Dân Cũ');
  await srv.stop();
  // as if written by a version without the column's values
  const sql = "UPDATE accounts SET search_key = ''";
  if (db.sqlite) db.sqlite(sql);
  else db.psql(sql);
  const again = await startServer({ db, demo: false });
  cleanups.push(() => again.close());
  assert.match(again.log, /search keys for \d+ accounts/);
  const r = await get(again, '/api/v1/accounts?q=' + encodeURIComponent('cu dan cu'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((a) => a.username), ['cu.dan.cu']);
  const demo = await get(again, '/api/v1/accounts?q=nguoidan');
  assert.ok(demo.body.total >= 2, 'the demo accounts are found again too');
});
