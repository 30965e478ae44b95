// bench/reporting.mjs BASE SECONDS PHOTO OUT [CLIENTS] — citizens reporting
// as fast as CLIENTS (default 16) can: each report sent (POST
// /api/v1/feedback, a point in Phường Bắc Giang) and one photo attached
// (POST /api/v1/feedback/{code}/photos, the file PHOTO, a byte changed per
// report so no two are the same). Writes {n, secs, errors, unique} to OUT.
// Used by bench/feedback.sh.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';

const [base, seconds, photoPath, out, clientsArg] = process.argv.slice(2);
const CLIENTS = Number(clientsArg || 16);
const photo = readFileSync(photoPath);
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
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'nguoidan1', password: 'TinhSo@2025demo' }),
});
const h = { Cookie: (login.headers.get('set-cookie') || '').split(';')[0], 'X-CSRF-Token': (await login.json()).csrf_token };
const end = Date.now() + Number(seconds) * 1000;
const codes = [];
let errors = 0;
const t0 = Date.now();
await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
  const mine = Buffer.from(photo);
  let i = 0;
  while (Date.now() < end) {
    // a byte in the JPEG's comment area past the header: every photo its own blob
    mine.writeUInt32BE((k << 24) | (i++ & 0xffffff), mine.length - 8);
    const body = Buffer.from(JSON.stringify({
      category: 'rac-thai', title: `Rác tồn đọng ${k}-${i}`, description: 'Rác thải sinh hoạt chưa được thu gom.',
      lat: 21.287932 + (k % 7) * 1e-5, lon: 106.220648,
    }));
    let r = await req('POST', '/api/v1/feedback', { ...h, 'Content-Type': 'application/json' }, body);
    if (r.status !== 201) { errors++; continue; }
    const code = /"code":"([^"]+)"/.exec(r.body.toString())[1];
    r = await req('POST', `/api/v1/feedback/${code}/photos?filename=anh.jpg`, { ...h, 'Content-Type': 'image/jpeg' }, mine);
    if (r.status !== 201) { errors++; continue; }
    codes.push(code);
  }
}));
const secs = (Date.now() - t0) / 1000;
writeFileSync(out, JSON.stringify({ n: codes.length, secs, errors, unique: new Set(codes).size }));
