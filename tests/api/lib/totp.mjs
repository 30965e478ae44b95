// RFC 6238 codes computed by the tests themselves (node:crypto), not by the
// server's code: base32 secrets as the enrolment answers them.
import { createHmac } from 'node:crypto';

function b32decode(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, buf = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '')) {
    buf = ((buf << 5) | A.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) { out.push((buf >> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

// The 30 s step of now.
export const nowStep = () => Math.floor(Date.now() / 30000);

// The 6-digit code of secret (base32) at step.
export function totp(secret, step = nowStep()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const md = createHmac('sha1', b32decode(secret)).update(msg).digest();
  const off = md[md.length - 1] & 15;
  return String((md.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}
