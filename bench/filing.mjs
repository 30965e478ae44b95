// bench/filing.mjs BASE SECONDS OUT — filing online as fast as 16 clients
// can: each signed in as the demo citizen, each dossier a draft, one 200 KB
// PDF attached, submitted (three requests). Writes {n, secs, errors, unique}
// to OUT (unique: distinct codes among the n filed). Used by bench/dossiers.sh.
import { writeFileSync } from 'node:fs';
import http from 'node:http';

const [base, seconds, out, clientsArg] = process.argv.slice(2);
const CLIENTS = Number(clientsArg || 16);
const head = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n';
const pad = '% ' + 'x'.repeat(76) + '\n';
const pdf = Buffer.from(head + pad.repeat(Math.ceil((200 * 1024) / pad.length)) + 'trailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

// node:http with keep-alive: fetch() costs the client more than the server
// spends filing, and the client must not be what is measured
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const url = new URL(base);
function req(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, 'Content-Length': body ? body.length : 0 }, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      });
    r.on('error', reject);
    r.end(body);
  });
}

async function signIn() {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'nguoidan1', password: 'TinhSo@2025demo' }),
  });
  return { cookie: (r.headers.get('set-cookie') || '').split(';')[0], csrf: (await r.json()).csrf_token };
}

const one = await signIn(); // one session for every client: a sign-in costs a password hash
const clients = Array.from({ length: CLIENTS }, () => one);
const end = Date.now() + Number(seconds) * 1000;
const codes = [];
let errors = 0;
const t0 = Date.now();
await Promise.all(clients.map(async (s, k) => {
  const h = { Cookie: s.cookie, 'X-CSRF-Token': s.csrf };
  // each client's PDF differs (a byte in its comment), as real papers do
  const mine = Buffer.from(pdf);
  mine.write(String(k).padStart(2, '0'), head.length + 2, 'latin1');
  let i = 0;
  while (Date.now() < end) {
    mine.write(String(i++).padStart(8, '0'), head.length + 6, 'latin1');
    let r = await req('POST', '/api/v1/drafts', { ...h, 'Content-Type': 'application/json' }, Buffer.from('{"procedure":"2.000488"}'));
    if (r.status !== 201) { errors++; continue; }
    const id = /"id":(\d+)/.exec(r.body.toString())[1];
    r = await req('POST', `/api/v1/drafts/${id}/files?filename=to-khai.pdf&component=0`, { ...h, 'Content-Type': 'application/pdf' }, mine);
    if (r.status !== 201) { errors++; continue; }
    r = await req('POST', `/api/v1/drafts/${id}/submit`, h);
    if (r.status !== 201) { errors++; continue; }
    codes.push(/"code":"([^"]+)"/.exec(r.body.toString())[1]);
  }
}));
const secs = (Date.now() - t0) / 1000;
writeFileSync(out, JSON.stringify({ n: codes.length, secs, errors, unique: new Set(codes).size }));
