// Open311 GeoReport v2 at /open311/v2/ (issue 11, docs/api.md "Open311",
// decisions §45), checked against the specification's text on a real server
// (SQLite, or PostgreSQL with TINHSO_TEST_PG): every endpoint in both
// formats (the XML parsed by the small parser below), every filter of GET
// requests, every error the spec names (403 for a missing or wrong api_key,
// 404 for an unknown service, request, token or format, 400 for the rest),
// empty parameters equal to absent ones, and the round trip: a request
// filed through Open311 is open, the intake point accepts it, the commune
// answers it through tinhso's API, and Open311 shows it closed with the
// answer as its status notes.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { serverForFile, signedIn, as } from './lib/helpers.mjs';

const fx = serverForFile();
const V2 = '/open311/v2';
const IOC = '000.21.01.H06';
const COMMUNE = '072.10.90.H06'; // xa1.canbo's committee
const JSON_CT = 'application/json; charset=utf-8';
const XML_CT = 'text/xml; charset=utf-8';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/;
const CODE = /^PA-\d{6}-\d{6}$/;
const sql = (q) => (fx.srv.db.sqlite ? fx.srv.db.sqlite(q) : fx.srv.db.psql(q)).trim();

// ---- a tiny XML parser: declaration, elements without attributes, text, the five entities

function parseXml(text) {
  assert.ok(text.startsWith(DECL), `the XML declaration: ${text.slice(0, 60)}`);
  const ent = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const decode = (s) => s.replace(/&(#\d+|[a-z]+);/g, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(Number(e.slice(1)));
    assert.ok(e in ent, `unknown entity ${m}`);
    return ent[e];
  });
  const re = /<(\/?)([A-Za-z_][\w.-]*)(\/?)>|([^<]+)/y;
  re.lastIndex = DECL.length;
  const stack = [{ name: '#document', children: [], text: '' }];
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    const m = re.exec(text);
    assert.ok(m, `well-formed XML at ${at}: ${text.slice(at, at + 40)}`);
    if (m[4] !== undefined) {
      assert.ok(!/[&]/.test(m[4].replace(/&(#\d+|[a-z]+);/g, '')), 'a bare & in text');
      assert.ok(stack.length > 1, 'text outside the root');
      stack.at(-1).text += decode(m[4]);
    } else if (m[1]) {
      const el = stack.pop();
      assert.equal(m[2], el.name, 'closing tag matches');
      stack.at(-1).children.push(el);
    } else if (m[3]) {
      stack.at(-1).children.push({ name: m[2], children: [], text: '' });
    } else {
      stack.push({ name: m[2], children: [], text: '' });
    }
  }
  assert.equal(stack.length, 1, 'every element closed');
  assert.equal(stack[0].children.length, 1, 'one root element');
  return stack[0].children[0];
}
// An element's children as {name: text or element}; lists stay in .children.
const fields = (el) => Object.fromEntries(el.children.map((c) => [c.name, c.children.length ? c : c.text]));
const child = (el, name) => el.children.find((c) => c.name === name);

// ---- requests

async function get(path, headers = {}) {
  const r = await fx.srv.fetch(path, { headers });
  const text = await r.text();
  const ct = r.headers.get('content-type');
  return { status: r.status, ct, text, headers: r.headers, body: ct === JSON_CT ? JSON.parse(text) : text };
}
async function getXml(path, headers = {}) {
  const r = await get(path, headers);
  assert.equal(r.ct, XML_CT, `${path}: ${r.text.slice(0, 200)}`);
  return { ...r, xml: parseXml(r.text) };
}
async function post(fmt, form, headers = {}) {
  const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
  const r = await fx.srv.fetch(`${V2}/requests.${fmt}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: body.toString(),
  });
  const text = await r.text();
  const ct = r.headers.get('content-type');
  return { status: r.status, ct, text, body: ct === JSON_CT ? JSON.parse(text) : text, xml: ct === XML_CT ? parseXml(text) : null };
}

// Open311's error: an array of one {code, description}, in English, the code the status.
function assertError(r, status, pattern) {
  assert.equal(r.status, status, `expected ${status}: ${r.text}`);
  if (r.ct === XML_CT) {
    const root = r.xml || parseXml(r.text);
    assert.equal(root.name, 'errors');
    assert.equal(root.children.length, 1);
    const e = fields(root.children[0]);
    assert.equal(root.children[0].name, 'error');
    assert.equal(e.code, String(status));
    if (pattern) assert.match(e.description, pattern);
    return;
  }
  assert.equal(r.ct, JSON_CT);
  assert.ok(Array.isArray(r.body) && r.body.length === 1, r.text);
  assert.deepEqual(Object.keys(r.body[0]).sort(), ['code', 'description']);
  assert.equal(r.body[0].code, status);
  assert.doesNotMatch(r.body[0].description, /[àáảãạăâđêôơư]/i, 'English');
  if (pattern) assert.match(r.body[0].description, pattern);
}

const sessions = {};
async function sess(user) {
  if (!sessions[user]) sessions[user] = await signedIn(fx.srv, user);
  return sessions[user];
}
async function act(user, code, body) {
  const r = await as(fx.srv, await sess(user), `/api/v1/feedback/${code}/actions`, 'POST', body);
  assert.equal(r.status, 200, `${body.action} by ${user}: ${JSON.stringify(r.body)}`);
  return r.body;
}
async function makeToken(purpose, name = 'Ứng dụng Bắc Ninh Smart') {
  const r = await as(fx.srv, await sess('quantri'), '/api/v1/tokens', 'POST', {
    name, purpose, agency_code: IOC, permissions: ['officer'],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

let key, keyId;
const TREE = { service_code: 'cay-xanh', lat: '21.186', long: '106.076', 'attribute[chan-duong]': 'co' };
async function ensureKey() {
  if (key) return;
  const t = await makeToken('open311');
  key = t.token;
  keyId = t.id;
}
async function file(form, fmt = 'json') {
  const r = await post(fmt, { api_key: key, ...form });
  assert.equal(r.status, 200, r.text);
  return fmt === 'json' ? r.body[0].service_request_id : fields(r.xml.children[0]).service_request_id;
}

beforeEach(ensureKey);

// ---- discovery, services, definitions

test('discovery: changeset, contact, key_service and the endpoint, in JSON and XML', async () => {
  const j = await get(`${V2}/discovery.json`);
  assert.equal(j.status, 200);
  assert.equal(j.ct, JSON_CT);
  assert.match(j.body.changeset, OFFSET);
  assert.ok(j.body.contact && j.body.key_service);
  assert.equal(j.body.endpoints.length, 1);
  const e = j.body.endpoints[0];
  assert.equal(e.specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.equal(e.url, 'http://127.0.0.1:8080/open311/v2'); // public_url + /open311/v2
  assert.equal(e.type, 'production');
  assert.deepEqual(e.formats, ['text/xml', 'application/json']);
  const x = await getXml(`${V2}/discovery.xml`);
  assert.equal(x.xml.name, 'discovery');
  const d = fields(x.xml);
  assert.equal(d.changeset, j.body.changeset);
  assert.equal(d.contact, j.body.contact);
  assert.equal(d.key_service, j.body.key_service);
  const ep = child(d.endpoints, 'endpoint');
  assert.equal(fields(ep).url, e.url);
  assert.equal(fields(ep).type, 'production');
  assert.deepEqual(child(ep, 'formats').children.map((f) => [f.name, f.text]), [['format', 'text/xml'], ['format', 'application/json']]);
});

test('services: every active category, metadata true when it has attributes, realtime', async () => {
  const j = await get(`${V2}/services.json`);
  assert.equal(j.status, 200);
  const cats = (await fx.srv.json('/api/v1/feedback-categories')).body.items;
  assert.deepEqual(j.body.map((s) => s.service_code), cats.map((c) => c.code));
  const tree = j.body.find((s) => s.service_code === 'cay-xanh');
  assert.deepEqual(tree, {
    service_code: 'cay-xanh', service_name: 'Cây xanh gãy đổ, nguy hiểm',
    description: 'Cây gãy, đổ, nghiêng có nguy cơ gây tai nạn; cành cây che khuất đèn, biển báo.',
    metadata: true, type: 'realtime', keywords: 'cây xanh, gãy đổ, nguy hiểm', group: 'Đô thị',
  });
  assert.equal(j.body.find((s) => s.service_code === 'chieu-sang').metadata, false);
  const en = await get(`${V2}/services.json`, { 'Accept-Language': 'en' });
  assert.equal(en.body.find((s) => s.service_code === 'cay-xanh').service_name, 'Fallen or dangerous trees');
  assert.equal(en.body.find((s) => s.service_code === 'cay-xanh').group, 'Urban');
  const x = await getXml(`${V2}/services.xml`);
  assert.equal(x.xml.name, 'services');
  assert.ok(x.xml.children.every((c) => c.name === 'service'));
  const xs = x.xml.children.map(fields);
  assert.equal(xs.length, j.body.length);
  for (let i = 0; i < xs.length; i++)
    for (const [k, v] of Object.entries(j.body[i])) assert.equal(xs[i][k], v === null ? '' : String(v), `${k} of ${j.body[i].service_code}`);
});

test('a service definition: its attributes with their values, in JSON and XML; 404 for an unknown service', async () => {
  const j = await get(`${V2}/services/cay-xanh.json`);
  assert.equal(j.status, 200);
  assert.deepEqual(j.body, {
    service_code: 'cay-xanh',
    attributes: [{
      variable: true, code: 'chan-duong', datatype: 'singlevaluelist', required: true, datatype_description: null,
      order: 1, description: 'Cây có chắn lối đi không?', values: [{ key: 'co', name: 'Có' }, { key: 'khong', name: 'Không' }],
    }],
  });
  const x = await getXml(`${V2}/services/cay-xanh.xml`);
  assert.equal(x.xml.name, 'service_definition');
  const d = fields(x.xml);
  assert.equal(d.service_code, 'cay-xanh');
  const at = child(d.attributes, 'attribute');
  const af = fields(at);
  assert.equal(af.variable, 'true');
  assert.equal(af.code, 'chan-duong');
  assert.equal(af.datatype, 'singlevaluelist');
  assert.equal(af.required, 'true');
  assert.equal(af.datatype_description, '');
  assert.equal(af.order, '1');
  assert.deepEqual(child(at, 'values').children.map((v) => [v.name, fields(v)]), [['value', { key: 'co', name: 'Có' }], ['value', { key: 'khong', name: 'Không' }]]);
  const none = await get(`${V2}/services/chieu-sang.json`);
  assert.deepEqual(none.body, { service_code: 'chieu-sang', attributes: [] });
  assertError(await get(`${V2}/services/khong-co.json`), 404, /service_code khong-co/);
  assertError(await getXml(`${V2}/services/khong-co.xml`), 404, /not found/);
});

test('the format is the suffix: anything but .json and .xml is 404 (as JSON)', async () => {
  for (const p of ['/discovery.csv', '/services.html', '/services/cay-xanh.yaml', '/requests.txt', '/requests/PA-260101-000001.JSON', '/tokens/abc.xml2'])
    assertError(await get(V2 + p), 404, /format/);
  assertError(await post('csv', { api_key: key, ...TREE }), 404, /format/);
});

// ---- filing a request

test('api_key: missing, wrong, revoked, expired or not made for open311 is 403; an open311 key is no Bearer credential', async () => {
  assertError(await post('json', TREE), 403, /api_key/);
  assertError(await post('json', { ...TREE, api_key: '' }), 403, /api_key/);
  assertError(await post('json', { ...TREE, api_key: 'tsk_notatoken' }), 403, /api_key/);
  assertError(await post('xml', { ...TREE, api_key: 'x' }), 403, /api_key/);
  const other = await makeToken('Đồng bộ phản ánh', 'Đồng bộ');
  assertError(await post('json', { ...TREE, api_key: other.token }), 403, /not made for open311/);
  const revoked = await makeToken('open311', 'Thu hồi');
  assert.equal((await as(fx.srv, await sess('quantri'), `/api/v1/tokens/${revoked.id}`, 'DELETE')).status, 204);
  assertError(await post('json', { ...TREE, api_key: revoked.token }), 403, /invalid, expired or revoked/);
  const expired = await makeToken(' Open311 ', 'Hết hạn'); // the purpose's one word, any case
  assert.equal((await post('json', { ...TREE, api_key: expired.token })).status, 200);
  sql(`UPDATE api_tokens SET expires_at = 1000 WHERE id = ${expired.id}`);
  assertError(await post('json', { ...TREE, api_key: expired.token }), 403, /invalid, expired or revoked/);
  // a key of Open311 reads nothing of tinhso's own API
  const r = await fx.srv.json('/api/v1/feedback', { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(r.status, 403);
  // the key is read from the body only: in the query it does not count
  const q = await fx.srv.fetch(`${V2}/requests.json?api_key=${key}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(TREE).toString(),
  });
  assert.equal(q.status, 403);
});

test('POST: every bad field is a 400 (404 for an unknown service), empty fields equal absent ones', async () => {
  const bad = async (form, status, re, fmt = 'json') => assertError(await post(fmt, { api_key: key, ...form }), status, re);
  await bad({ lat: '21.1', long: '106.1' }, 400, /service_code is required/);
  await bad({ service_code: '', lat: '21.1', long: '106.1' }, 400, /service_code is required/);
  await bad({ ...TREE, service_code: 'khong-co' }, 404, /service_code khong-co not found/);
  await bad({ ...TREE, service_code: 'khong-co' }, 404, /not found/, 'xml');
  await bad({ service_code: 'cay-xanh', 'attribute[chan-duong]': 'co' }, 400, /location is required/);
  await bad({ service_code: 'cay-xanh', 'attribute[chan-duong]': 'co', lat: '', long: '', address_string: '', address_id: '' }, 400, /location is required/);
  await bad({ ...TREE, lat: '91' }, 400, /lat must be/);
  await bad({ ...TREE, lat: '-90.5' }, 400, /lat must be/);
  await bad({ ...TREE, lat: 'abc' }, 400, /lat must be/);
  await bad({ ...TREE, long: '180.01' }, 400, /long must be/);
  await bad({ ...TREE, long: '' }, 400, /together/);
  await bad({ ...TREE, lat: '91' }, 400, /lat must be/, 'xml');
  await bad({ ...TREE, 'attribute[khong-co]': 'x' }, 400, /no attribute khong-co/);
  await bad({ ...TREE, 'attribute[chan-duong]': 'maybe' }, 400, /maybe is not one of its values/);
  await bad({ service_code: 'cay-xanh', lat: '21.1', long: '106.1' }, 400, /attribute\[chan-duong\] is required/);
  await bad({ service_code: 'cay-xanh', lat: '21.1', long: '106.1', 'attribute[chan-duong]': '' }, 400, /is required/);
  await bad({ ...TREE, description: 'x'.repeat(4001) }, 400, /description is longer than 4000/);
  await bad({ ...TREE, media_url: 'http://anh.example.vn/1.jpg' }, 400, /https/);
  await bad({ ...TREE, media_url: 'javascript:alert(1)' }, 400, /https/);
  await bad({ ...TREE, email: 'not-an-address' }, 400, /email/);
  await bad({ ...TREE, phone: 'abc' }, 400, /phone/);
  // a category that needs a place takes no address_id alone
  await bad({ service_code: 'cay-xanh', 'attribute[chan-duong]': 'co', address_id: 'A-17' }, 400, /location/);
  // a malformed form body and the wrong content type
  const raw = async (body, ct) => {
    const r = await fx.srv.fetch(`${V2}/requests.json`, { method: 'POST', headers: { 'Content-Type': ct }, body });
    return { status: r.status, ct: r.headers.get('content-type'), text: await r.text() };
  };
  let r = await raw(`api_key=${key}&service_code=cay-xanh&lat=21.1&long=106.1&description=%zz`, 'application/x-www-form-urlencoded');
  assertError({ ...r, body: JSON.parse(r.text) }, 400, /Malformed form body/);
  r = await raw(`api_key=${key}&service_code=cay-xanh&lat=21.1&long=106.1&description=%C3`, 'application/x-www-form-urlencoded');
  assertError({ ...r, body: JSON.parse(r.text) }, 400, /Malformed form body/);
  r = await raw(JSON.stringify({ api_key: key, ...TREE }), 'application/json');
  assertError({ ...r, body: JSON.parse(r.text) }, 400, /content type/);
  // 4000 characters (not bytes) are fine, and an empty optional attribute is absent
  const code = await file({ service_code: 'ngap-ung', lat: '21.18', long: '106.07', description: 'ư'.repeat(4000), 'attribute[do-sau]': '' });
  assert.match(code, CODE);
  assert.equal(sql(`SELECT attrs FROM feedback_reports WHERE code = '${code}'`), '');
});

test('POST: filed as from the person named, on the open311 channel, by the key; the answer in JSON and XML', async () => {
  const j = await post('json', {
    api_key: key, ...TREE, description: 'Cây phượng đổ chắn ngang đường Lý Thái Tổ\nsau cơn mưa.',
    email: 'an.nguyen@example.vn', first_name: 'An', last_name: 'Nguyễn', phone: '0912 345 678',
    device_id: 'dev-42', account_id: 'acc-7', media_url: 'https://anh.example.vn/cay.jpg', jurisdiction_id: '',
  });
  assert.equal(j.status, 200, j.text);
  assert.equal(j.ct, JSON_CT);
  assert.equal(j.body.length, 1);
  assert.deepEqual(Object.keys(j.body[0]), ['service_request_id', 'service_notice', 'account_id']);
  const code = j.body[0].service_request_id;
  assert.match(code, CODE);
  assert.ok(j.body[0].service_notice);
  assert.equal(j.body[0].account_id, null);
  // the intake officer sees the person, the channel and the client, and what tinhso keeps of the rest
  const v = await as(fx.srv, await sess('ioc.canbo1'), `/api/v1/feedback/${code}`);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.status, 'submitted');
  assert.equal(v.body.channel, 'open311');
  assert.equal(v.body.client, 'Ứng dụng Bắc Ninh Smart');
  assert.equal(v.body.reporter_name, 'An Nguyễn');
  assert.equal(v.body.reporter_email, 'an.nguyen@example.vn');
  assert.equal(v.body.reporter_phone, '0912 345 678');
  assert.equal(v.body.title, 'Cây phượng đổ chắn ngang đường Lý Thái Tổ');
  assert.equal(v.body.category, 'cay-xanh');
  assert.deepEqual(v.body.attributes, {
    'chan-duong': 'co',
    _open311: { media_url: 'https://anh.example.vn/cay.jpg', device_id: 'dev-42', account_id: 'acc-7' },
  });
  // not the key owner's report; the key is the audit actor
  assert.equal(sql(`SELECT COALESCE(reporter_id, 0) FROM feedback_reports WHERE code = '${code}'`), '0');
  assert.equal(sql(`SELECT e.actor FROM feedback_events e JOIN feedback_reports f ON f.id = e.report_id WHERE f.code = '${code}'`), `token:${keyId}`);
  const mine = await as(fx.srv, await sess('quantri'), '/api/v1/me/feedback');
  assert.ok(!mine.body.items.some((x) => x.code === code));
  // XML
  const x = await post('xml', { api_key: key, ...TREE, address_string: '12 Lý Thái Tổ, Suối Hoa' });
  assert.equal(x.status, 200, x.text);
  assert.equal(x.xml.name, 'service_requests');
  assert.equal(x.xml.children.length, 1);
  assert.equal(x.xml.children[0].name, 'request');
  const xf = fields(x.xml.children[0]);
  assert.deepEqual(Object.keys(xf), ['service_request_id', 'service_notice', 'account_id']);
  assert.match(xf.service_request_id, CODE);
  assert.equal(xf.account_id, '');
  // the token of the report answers for it
  const token = sql(`SELECT token FROM feedback_reports WHERE code = '${code}'`);
  const t = await get(`${V2}/tokens/${token}.json`);
  assert.deepEqual(t.body, [{ service_request_id: code, token }]);
  const tx = await getXml(`${V2}/tokens/${token}.xml`);
  assert.equal(tx.xml.name, 'service_requests');
  assert.deepEqual(fields(tx.xml.children[0]), { service_request_id: code, token });
  assertError(await get(`${V2}/tokens/khongco.json`), 404, /token khongco not found/);
  assertError(await getXml(`${V2}/tokens/khongco.xml`), 404);
});

// ---- reading requests

const RECORD_KEYS = ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description',
  'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'address',
  'address_id', 'zipcode', 'lat', 'long', 'media_url'];

// The XML record is the JSON record: the same elements in the same order, empty for null.
function sameRecord(x, j) {
  assert.equal(x.name, 'request');
  assert.deepEqual(x.children.map((c) => c.name), RECORD_KEYS);
  const f = fields(x);
  for (const k of RECORD_KEYS) {
    if (k === 'lat' || k === 'long') assert.equal(f[k] === '' ? null : Number(f[k]), j[k], k);
    else assert.equal(f[k], j[k] === null ? '' : String(j[k]), k);
  }
}

test('the round trip: filed through Open311, open; accepted and answered through tinhso; closed with the answer', async () => {
  const code = await file({ ...TREE, description: 'Cây đổ trước số 5 Nguyễn Đăng Đạo', address_string: '5 Nguyễn Đăng Đạo' });
  let j = await get(`${V2}/requests.json`);
  assert.equal(j.status, 200);
  let rec = j.body.find((x) => x.service_request_id === code);
  assert.ok(rec, 'listed at once');
  assert.deepEqual(Object.keys(rec), RECORD_KEYS);
  assert.equal(rec.status, 'open');
  assert.equal(rec.status_notes, null);
  assert.equal(rec.service_code, 'cay-xanh');
  assert.equal(rec.service_name, 'Cây xanh gãy đổ, nguy hiểm');
  // not yet checked by the intake point: no text, place or photo
  assert.equal(rec.description, null);
  assert.equal(rec.address, null);
  assert.equal(rec.lat, null);
  assert.match(rec.requested_datetime, OFFSET);
  assert.match(rec.updated_datetime, OFFSET);
  assert.match(rec.expected_datetime, OFFSET);
  let x = await getXml(`${V2}/requests.xml`);
  assert.equal(x.xml.name, 'service_requests');
  sameRecord(x.xml.children.find((c) => fields(c).service_request_id === code), rec);

  await act('ioc.canbo1', code, { action: 'accept', agency: COMMUNE });
  j = await get(`${V2}/requests/${code}.json`);
  assert.equal(j.body.length, 1);
  rec = j.body[0];
  assert.equal(rec.status, 'open');
  assert.equal(rec.description, 'Cây đổ trước số 5 Nguyễn Đăng Đạo');
  assert.equal(rec.address, '5 Nguyễn Đăng Đạo');
  assert.equal(rec.lat, 21.186);
  assert.equal(rec.long, 106.076);
  assert.ok(rec.agency_responsible && rec.agency_responsible.length > 0);
  assert.equal(rec.address_id, null);
  assert.equal(rec.zipcode, null);
  assert.equal(rec.media_url, null);

  const answer = 'UBND phường đã cử tổ công tác cắt dọn cây đổ & thông đường lúc 9 giờ sáng "ngày 5".';
  await act('xa1.canbo', code, { action: 'answer', answer });
  j = await get(`${V2}/requests/${code}.json`);
  rec = j.body[0];
  assert.equal(rec.status, 'closed');
  assert.equal(rec.status_notes, answer);
  x = await getXml(`${V2}/requests/${code}.xml`);
  assert.equal(x.xml.name, 'service_requests');
  assert.equal(x.xml.children.length, 1);
  sameRecord(x.xml.children[0], rec);
  assert.match(x.text, /&amp; thông đường/);
  assert.match(x.text, /&quot;ngày 5&quot;/);
  const closed = await get(`${V2}/requests.json?status=closed`);
  assert.ok(closed.body.some((r) => r.service_request_id === code));
  const open = await get(`${V2}/requests.json?status=open`);
  assert.ok(!open.body.some((r) => r.service_request_id === code));
});

test('status notes: a rejection gives its reason, a merge the report it went into; a private report is not listed', async () => {
  const a = await file({ ...TREE, description: 'Trùng lặp' });
  const b = await file({ ...TREE, description: 'Báo sai' });
  const c = await file({ ...TREE, description: 'Có số điện thoại riêng' });
  const into = await file({ ...TREE, description: 'Bản chính' });
  await act('ioc.canbo1', into, { action: 'accept', agency: COMMUNE });
  await act('ioc.canbo1', a, { action: 'merge', into });
  await act('ioc.canbo1', b, { action: 'reject', reason: 'Không thuộc thẩm quyền giải quyết.' });
  await act('ioc.canbo1', c, { action: 'moderate', private: true });
  const en = await get(`${V2}/requests/${a}.json`, { 'Accept-Language': 'en' });
  assert.equal(en.body[0].status, 'closed');
  assert.equal(en.body[0].status_notes, `Merged into report ${into}.`);
  assert.equal((await get(`${V2}/requests/${a}.json`)).body[0].status_notes, `Đã gộp vào phản ánh ${into}.`);
  const rej = (await get(`${V2}/requests/${b}.json`)).body[0];
  assert.equal(rej.status, 'closed');
  assert.equal(rej.status_notes, 'Không thuộc thẩm quyền giải quyết.');
  assert.equal(rej.description, null);
  assertError(await get(`${V2}/requests/${c}.json`), 404, new RegExp(`service_request_id ${c} not found`));
  assertError(await getXml(`${V2}/requests/${c}.xml`), 404);
  assert.ok(!(await get(`${V2}/requests.json`)).body.some((r) => r.service_request_id === c));
  assertError(await get(`${V2}/requests/PA-000000-000000.json`), 404);
  assertError(await get(`${V2}/requests/not-a-code.json`), 404);
});

test('GET requests: service_request_id, service_code, status, start_date/end_date, page and page_size; empty equals absent', async () => {
  const lights = await file({ service_code: 'chieu-sang', lat: '21.17', long: '106.06', description: 'Đèn tắt' });
  const roads = await file({ service_code: 'duong-via-he', address_string: 'Ngã tư Đại Phúc', description: 'Ổ gà' });
  const codes = (r) => r.body.map((x) => x.service_request_id);
  const all = await get(`${V2}/requests.json`);
  assert.ok(all.body.length >= 3);
  // newest first
  assert.ok(codes(all).indexOf(roads) < codes(all).indexOf(lights));
  // service_code (a comma list)
  let r = await get(`${V2}/requests.json?service_code=chieu-sang`);
  assert.deepEqual(codes(r), [lights]);
  r = await get(`${V2}/requests.json?service_code=chieu-sang,duong-via-he`);
  assert.deepEqual(codes(r), [roads, lights]);
  r = await get(`${V2}/requests.json?service_code=khong-co`);
  assert.deepEqual(r.body, []);
  // status: open, closed, both
  r = await get(`${V2}/requests.json?status=open`);
  assert.ok(r.body.every((x) => x.status === 'open') && codes(r).includes(lights));
  r = await get(`${V2}/requests.json?status=closed`);
  assert.ok(r.body.every((x) => x.status === 'closed'));
  r = await get(`${V2}/requests.json?status=open,closed`);
  assert.equal(r.body.length, all.body.length);
  assertError(await get(`${V2}/requests.json?status=pending`), 400, /status/);
  // service_request_id overrides the other filters
  r = await get(`${V2}/requests.json?service_request_id=${lights},${roads}&service_code=cay-xanh&status=closed&start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z`);
  assert.deepEqual(codes(r).sort(), [lights, roads].sort());
  r = await get(`${V2}/requests.json?service_request_id=PA-000000-000000`);
  assert.deepEqual(r.body, []);
  // dates: with Z, with an offset (%2B, or the '+' a query string reads as a space), the window
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const plus7 = (ms) => new Date(ms + 7 * 3600e3).toISOString().replace(/\.\d+Z$/, '+07:00');
  r = await get(`${V2}/requests.json?start_date=${iso(now - 3600e3)}&end_date=${iso(now + 3600e3)}`);
  assert.equal(r.body.length, all.body.length);
  r = await get(`${V2}/requests.json?start_date=${encodeURIComponent(plus7(now - 3600e3))}`);
  assert.equal(r.body.length, all.body.length);
  r = await get(`${V2}/requests.json?start_date=${plus7(now - 3600e3)}`); // a raw '+'
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.length, all.body.length);
  r = await get(`${V2}/requests.json?start_date=${iso(now + 3600e3)}`);
  assert.deepEqual(r.body, []);
  r = await get(`${V2}/requests.json?end_date=${iso(now - 3600e3)}`);
  assert.deepEqual(r.body, []);
  r = await get(`${V2}/requests.json?end_date=${iso(now + 86400e3)}`); // the 90 days up to end_date
  assert.equal(r.body.length, all.body.length);
  r = await get(`${V2}/requests.json?start_date=${iso(now - 100 * 86400e3)}`); // the 90 days after start_date
  assert.deepEqual(r.body, []);
  r = await get(`${V2}/requests.json?start_date=${iso(now - 89 * 86400e3)}&end_date=${iso(now + 3600e3)}`);
  assert.equal(r.body.length, all.body.length);
  assertError(await get(`${V2}/requests.json?start_date=${iso(now - 91 * 86400e3)}&end_date=${iso(now)}`), 400, /90 days/);
  assertError(await getXml(`${V2}/requests.xml?start_date=${iso(now - 91 * 86400e3)}&end_date=${iso(now)}`), 400, /90 days/);
  assertError(await get(`${V2}/requests.json?start_date=${iso(now)}&end_date=${iso(now - 3600e3)}`), 400, /after end_date/);
  for (const bad of ['yesterday', '2026-12-01', '2026-12-01T08:00:00', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-12-01T25:00:00Z', '2026-12-01T08:00:00+7'])
    assertError(await get(`${V2}/requests.json?start_date=${encodeURIComponent(bad)}`), 400, /start_date/);
  assertError(await get(`${V2}/requests.json?end_date=nope`), 400, /end_date/);
  // page and page_size (the common extension): 1000 at most, the default
  const p1 = await get(`${V2}/requests.json?page_size=2`);
  const p2 = await get(`${V2}/requests.json?page_size=2&page=2`);
  assert.deepEqual([...codes(p1), ...codes(p2)], codes(all).slice(0, 4));
  assert.equal(p1.body.length, 2);
  assert.equal((await get(`${V2}/requests.json?page_size=1000`)).body.length, all.body.length);
  for (const q of ['page_size=1001', 'page_size=0', 'page=0', 'page=x', 'page_size=-1'])
    assertError(await get(`${V2}/requests.json?${q}`), 400, /page/);
  // empty parameters are absent ones
  r = await get(`${V2}/requests.json?service_request_id=&service_code=&status=&start_date=&end_date=&page=&page_size=`);
  assert.deepEqual(codes(r), codes(all));
  // the XML list holds the same records
  const x = await getXml(`${V2}/requests.xml?service_code=chieu-sang,duong-via-he`);
  assert.equal(x.xml.name, 'service_requests');
  const j = await get(`${V2}/requests.json?service_code=chieu-sang,duong-via-he`);
  assert.equal(x.xml.children.length, 2);
  x.xml.children.forEach((c, i) => sameRecord(c, j.body[i]));
  // an empty list is an empty root
  const empty = await getXml(`${V2}/requests.xml?service_code=khong-co`);
  assert.equal(empty.text, `${DECL}<service_requests></service_requests>`);
});

test('GET requests with lat, long and radius (metres): the reports shown with their place, within the circle', async () => {
  const here = await file({ service_code: 'rac-thai', lat: '21.1000', long: '106.1000', description: 'Rác ở đây' });
  const near = await file({ service_code: 'rac-thai', lat: '21.1040', long: '106.1000', description: 'Rác cách 445 m' }); // ~445 m north
  const far = await file({ service_code: 'rac-thai', lat: '21.1000', long: '106.1200', description: 'Rác cách 2 km' }); // ~2.07 km east
  const unchecked = await file({ service_code: 'rac-thai', lat: '21.1001', long: '106.1001', description: 'Chưa tiếp nhận' });
  for (const c of [here, near, far]) await act('ioc.canbo1', c, { action: 'accept', agency: COMMUNE });
  const codes = async (q) => {
    const r = await get(`${V2}/requests.json?service_code=rac-thai&${q}`);
    assert.equal(r.status, 200, r.text);
    return r.body.map((x) => x.service_request_id).sort();
  };
  assert.deepEqual(await codes('lat=21.1&long=106.1&radius=100'), [here]);
  assert.deepEqual(await codes('lat=21.1&long=106.1&radius=500'), [here, near].sort());
  assert.deepEqual(await codes('lat=21.1&long=106.1'), [here, near].sort()); // 1000 m by default
  assert.deepEqual(await codes('lat=21.1&long=106.1&radius=2100'), [here, near, far].sort());
  assert.ok(!(await codes('lat=21.1001&long=106.1001&radius=50')).includes(unchecked), 'an unchecked report is not found by its place');
  assert.deepEqual(await codes('lat=&long=&radius='), (await codes('')));
  assertError(await get(`${V2}/requests.json?lat=21.1`), 400, /together/);
  assertError(await get(`${V2}/requests.json?lat=91&long=106`), 400, /lat must be/);
  assertError(await get(`${V2}/requests.json?lat=21&long=181`), 400, /long must be/);
  assertError(await get(`${V2}/requests.json?lat=21&long=106&radius=0`), 400, /radius/);
  assertError(await get(`${V2}/requests.json?lat=21&long=106&radius=50001`), 400, /radius/);
  assertError(await get(`${V2}/requests.json?radius=10`), 400, /radius needs lat and long/);
});
