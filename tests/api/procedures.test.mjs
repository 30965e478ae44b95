// The procedure catalogue over HTTP: search without diacritics and filters,
// a procedure by code, by version and by date; an administrator's new
// procedure and new versions (an edit made from a superseded version is
// refused), the import that is idempotent by code and version; and the
// refusals — a case without a processing time, a fee with both an amount and
// a rule, steps that do not add up, an unknown agency, a duplicate code, the
// wrong role or agency — with the field named and nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, auditCount, serverForFile, signedIn, as } from './lib/helpers.mjs';

const fx = serverForFile();
const STP = '000.00.03.H06';
const SYT = '000.00.07.H06';

// A province-level procedure of Sở Tư pháp (the shape docs/api.md gives).
const doc = (extra = {}) => ({
  code: '1.008891',
  name: 'Cấp giấy phép thành lập Văn phòng công chứng (thử nghiệm)',
  name_en: 'Licensing a notary office (test)',
  field: 'Công chứng',
  field_en: 'Notarisation',
  level: 'province',
  service_level: 'mot_phan',
  legacy_level: 3,
  agency: STP,
  receiving: ['000.20.01.H06'],
  cases: [{
    name: 'Thành lập mới',
    times: [{ channel: 'counter', unit: 'working_days', amount: 20 }, { channel: 'online', unit: 'working_days', amount: 20 }],
    fees: [{ name: 'Phí thẩm định', kind: 'charge', amount_vnd: 1000000, ref: 'Thông tư 257/2016/TT-BTC' }],
  }],
  components: [{ name: 'Đơn đề nghị thành lập', form: 'original', count: 1, required: true }],
  results: ['Quyết định cho phép thành lập'],
  legal_basis: [{ ref: '46/2024/QH15', title: 'Luật Công chứng', date: '2024-11-26' }],
  effective_from: '2025-07-01',
  steps: [
    { name: 'Tiếp nhận', role: 'officer', agency: 'receiving', share_percent: 10 },
    { name: 'Thẩm định', role: 'officer', agency: 'implementing', share_percent: 70 },
    { name: 'Phê duyệt', role: 'leader', agency: 'implementing', share_percent: 20 },
  ],
  ...extra,
});

test('the public catalogue: search without diacritics, filters, one procedure', async () => {
  let r = await fx.srv.json('/api/v1/procedures?q=khai%20sinh');
  assert.equal(r.status, 200);
  assert.ok(r.body.items.some((p) => p.code === '1.001193' && p.name === 'Đăng ký khai sinh'), JSON.stringify(r.body));
  r = await fx.srv.json('/api/v1/procedures?q=ly%20lich%20tu%20phap');
  assert.ok(r.body.items.some((p) => p.agency === STP));
  r = await fx.srv.json('/api/v1/procedures?level=commune');
  assert.ok(r.body.total >= 2);
  assert.ok(r.body.items.every((p) => p.level === 'commune' && p.agency === null));
  r = await fx.srv.json(`/api/v1/procedures?agency=${STP}&service_level=toan_trinh`);
  assert.ok(r.body.items.every((p) => p.agency === STP && p.service_level === 'toan_trinh'));
  assert.ok(r.body.total >= 1);
  assert.ok((await fx.srv.json('/api/v1/procedures?level=commune')).body.items.some((p) => p.same_day));
  r = await fx.srv.json('/api/v1/procedures/1.001193');
  assert.equal(r.status, 200);
  assert.equal(r.body.procedure.name, 'Đăng ký khai sinh');
  assert.ok(r.body.procedure.cases[0].times.length >= 1);
  assert.equal(r.body.version, 1);
  assertProblem(await fx.srv.json('/api/v1/procedures?level=district'), 400, 'level');
  assertProblem(await fx.srv.json('/api/v1/procedures/9.999999'), 404);
  assertProblem(await fx.srv.json('/api/v1/procedures/1.001193?version=9'), 404, 'version');
  assertProblem(await fx.srv.json('/api/v1/procedures/1.001193?at=2024-01-01'), 404, 'at');
  assertProblem(await fx.srv.json('/api/v1/procedures/1.001193?at=2026-02-30'), 400, 'at');
});

test('a bad procedure: every problem named, nothing written', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const before = auditCount(fx.srv.db.url);
  const r = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({
    code: '1.08891',
    level: 'district',
    cases: [
      { name: 'Không có thời hạn', times: [] },
      { name: 'Phí hai cách', times: [{ channel: 'fax', unit: 'weeks', amount: 0 }],
        fees: [{ name: 'x', kind: 'fee', amount_vnd: 5, rule: 'theo nghị quyết' }] },
    ],
    receiving: ['000.99.99.H06'],
    steps: [{ name: 'Một bước', role: 'officer', agency: 'implementing', share_percent: 60 }],
  }));
  assertProblem(r, 422);
  const fields = r.body.errors.map((e) => e.field);
  for (const f of ['code', 'level', 'receiving[0]', 'cases[0].times', 'cases[1].times[0].channel', 'cases[1].times[0].unit', 'cases[1].times[0].amount', 'cases[1].fees[0].amount_vnd'])
    assert.ok(fields.includes(f), `${f} in ${fields}`);
  let q = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({ steps: [{ name: 'x', role: 'officer', agency: 'implementing', share_percent: 60 }] }));
  assertProblem(q, 422, 'steps');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({ colour: 'red' })), 422, 'colour');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({ cases: [] })), 422, 'cases');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({ level: 'commune' })), 422, 'agency');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc({ effective_to: '2025-01-01' })), 422, 'effective_to');
  // the demo's own code exists already
  assertProblem(await fx.srv.admin('/api/v1/procedures', 'POST', doc({ code: '2.000488' })), 409, 'code');
  // Sở Y tế's administrator cannot publish Sở Tư pháp's procedure; an officer cannot at all
  const syt = await signedIn(fx.srv, 'syt.quantri');
  const officer = await signedIn(fx.srv, 'stp.canbo1');
  const mid = auditCount(fx.srv.db.url);
  assertProblem(await as(fx.srv, syt, '/api/v1/procedures', 'POST', doc()), 403);
  assertProblem(await as(fx.srv, officer, '/api/v1/procedures', 'POST', doc()), 403);
  assertProblem(await fx.srv.json('/api/v1/procedures', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(doc()) }), 401);
  assert.equal(auditCount(fx.srv.db.url), mid);
  assert.ok(mid - before <= 2); // the two sign-ins, nothing else
  assertProblem(await fx.srv.json('/api/v1/procedures/1.008891'), 404);
});

test('publish, edit into a new version, refuse an edit of a superseded version; old versions stay', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  const before = auditCount(fx.srv.db.url);
  let r = await as(fx.srv, stp, '/api/v1/procedures', 'POST', doc());
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.version, 1);
  assert.equal(r.headers.get('location'), '/api/v1/procedures/1.008891');
  assert.equal(auditCount(fx.srv.db.url), before + 1);
  // found by search at once (the cached listing is dropped with the change)
  assert.ok((await fx.srv.json('/api/v1/procedures?q=van%20phong%20cong%20chung')).body.items.some((p) => p.code === '1.008891'));
  // the fee changes from 2026: version 2
  const v2 = doc({ effective_from: '2026-01-01' });
  v2.cases[0].fees[0].amount_vnd = 1500000;
  r = await as(fx.srv, stp, '/api/v1/procedures/1.008891', 'PUT', { ...v2, base_version: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.version, 2);
  // a colleague still editing version 1 is told to reload
  r = await as(fx.srv, stp, '/api/v1/procedures/1.008891', 'PUT', { ...doc({ name: 'Tên khác' }), base_version: 1 });
  assertProblem(r, 409, 'base_version');
  // a version that does not start after the last one
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures/1.008891', 'PUT', { ...doc({ effective_from: '2025-12-31' }), base_version: 2 }), 422, 'effective_from');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures/1.008891', 'PUT', { ...doc({ code: '1.008892' }), base_version: 2 }), 422, 'code');
  assertProblem(await as(fx.srv, stp, '/api/v1/procedures/1.008891', 'PUT', doc()), 422, 'base_version');
  assert.equal(auditCount(fx.srv.db.url), before + 2);
  // the current version, version 1 by number and by date
  const cur = (await fx.srv.json('/api/v1/procedures/1.008891')).body;
  assert.equal(cur.version, 2);
  assert.equal(cur.procedure.cases[0].fees[0].amount_vnd, 1500000);
  assert.deepEqual(cur.versions.map((v) => [v.version, v.effective_from, v.effective_to]), [[1, '2025-07-01', '2026-01-01'], [2, '2026-01-01', null]]);
  const old = (await fx.srv.json('/api/v1/procedures/1.008891?at=2025-09-01')).body;
  assert.equal(old.version, 1);
  assert.equal(old.procedure.cases[0].fees[0].amount_vnd, 1000000);
  assert.equal((await fx.srv.json('/api/v1/procedures/1.008891?version=1')).body.current, false);
  // only one current version is listed
  assert.equal((await fx.srv.json('/api/v1/procedures?q=1.008891')).body.items.length, 1);
});

test('import: idempotent by code and version, all or nothing, system administrators only', async () => {
  const body = { procedures: [doc({ code: '1.000001', name: 'Thủ tục nhập thử', effective_from: '2025-08-01' })] };
  assertProblem(await as(fx.srv, await signedIn(fx.srv, 'stp.quantri'), '/api/v1/procedures/import', 'POST', body), 403);
  const before = auditCount(fx.srv.db.url);
  let r = await fx.srv.admin('/api/v1/procedures/import', 'POST', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { inserted: 1, versioned: 0, unchanged: 0 });
  r = await fx.srv.admin('/api/v1/procedures/import', 'POST', body);
  assert.deepEqual(r.body, { inserted: 0, versioned: 0, unchanged: 1 });
  // version 1 named with other content clashes; skipping ahead is refused; nothing half-written
  r = await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: [
    doc({ code: '1.000002', name: 'Một thủ tục khác', effective_from: '2025-08-01' }),
    { ...doc({ code: '1.000001', name: 'Nội dung khác', effective_from: '2025-08-01' }), version: 1 },
  ] });
  assertProblem(r, 409, 'procedures[1].version');
  assertProblem(await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: [{ ...doc({ code: '1.000001', effective_from: '2026-08-01' }), version: 5 }] }), 422, 'procedures[0].version');
  assertProblem(await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: [doc({ code: '1.000003', cases: [{ name: 'x', times: [] }] })] }), 422, 'procedures[0].cases[0].times');
  assertProblem(await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: [] }), 422, 'procedures');
  assertProblem(await fx.srv.json('/api/v1/procedures/1.000002'), 404);
  // a changed document without a version is the next version
  r = await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: [doc({ code: '1.000001', name: 'Thủ tục nhập thử (sửa)', effective_from: '2026-03-01' })] });
  assert.deepEqual(r.body, { inserted: 0, versioned: 1, unchanged: 0 });
  assert.equal(auditCount(fx.srv.db.url), before + 2);
});

test('export: JSON the import takes back unchanged, CSV for a spreadsheet (formulas defused), filters apply', async () => {
  const stp = await signedIn(fx.srv, 'stp.quantri');
  // a name a spreadsheet would run as a formula
  const made = await as(fx.srv, stp, '/api/v1/procedures', 'POST',
    doc({ code: '1.008893', name: '=HYPERLINK("http://x.invalid","Bấm vào đây")', name_en: undefined }));
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const all = (await fx.srv.json('/api/v1/procedures?limit=500')).body;
  let r = await fx.srv.json('/api/v1/procedures/export');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="thu-tuc-hanh-chinh\.json"/);
  assert.equal(r.body.procedures.length, all.total);
  assert.ok(r.body.procedures.every((p) => Number.isInteger(p.version) && p.version >= 1 && p.code && p.cases));
  const birth = r.body.procedures.find((p) => p.code === '1.001193');
  assert.equal(birth.name, 'Đăng ký khai sinh');
  // taken back: nothing changes, nothing is written
  const a0 = auditCount(fx.srv.db.url);
  const back = await fx.srv.admin('/api/v1/procedures/import', 'POST', { procedures: r.body.procedures });
  assert.equal(back.status, 200, JSON.stringify(back.body).slice(0, 400));
  assert.deepEqual(back.body, { inserted: 0, versioned: 0, unchanged: all.total });
  assert.equal(auditCount(fx.srv.db.url), a0);

  const csv = await fx.srv.fetch('/api/v1/procedures/export?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark');
  const rows = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
  assert.equal(rows[0], 'Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mức độ dịch vụ,Mã cơ quan,Cơ quan thực hiện,Giải quyết trong ngày,Hiệu lực từ,Phiên bản');
  assert.equal(rows.length, all.total + 1);
  assert.ok(rows.some((l) => l.startsWith('1.001193,Đăng ký khai sinh,Hộ tịch,Cấp xã,Toàn trình,,Ủy ban nhân dân cấp xã,')), rows.slice(0, 5).join('\n'));
  assert.ok(rows.some((l) => l.startsWith('2.000488,') && l.includes(`,${STP},Sở Tư pháp,`)));
  const evil = rows.find((l) => l.startsWith('1.008893,'));
  assert.ok(evil.startsWith('1.008893,"\'=HYPERLINK(""http://x.invalid"",""Bấm vào đây"")",'), evil);
  // the filters of the list apply
  const commune = Buffer.from(await (await fx.srv.fetch('/api/v1/procedures/export?format=csv&level=commune')).arrayBuffer())
    .subarray(3).toString('utf8').split('\r\n').filter(Boolean).slice(1);
  assert.ok(commune.length >= 2 && commune.every((l) => l.includes(',Cấp xã,')));
  assertProblem(await fx.srv.json('/api/v1/procedures/export?format=xlsx'), 400, 'format');
});
