// The staff second factor (decisions §29), sent to a real server: the demo
// administrators must enrol before anything else (mfa_required_roles'
// default), enrolment with a QR code and recovery codes, the sign-in's
// second step (wrong code, replayed code, code from a far step, recovery
// code used twice, the challenge's own limit), removal with a current code,
// a citizen who opts in, and an administrator's reset of a colleague's
// factor, refused out of scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { totp, nowStep } from './lib/totp.mjs';
import { DEMO_PW, assertProblem, auditCount, login, signedIn, as } from './lib/helpers.mjs';

// Enrol the person signed in as sess; returns { secret, codes, step }.
async function enrol(s, sess) {
  const b = await as(s, sess, '/api/v1/me/mfa/totp', 'POST');
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const step = nowStep();
  const c = await as(s, sess, '/api/v1/me/mfa/totp/confirm', 'POST', { code: totp(b.body.secret, step) });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  return { secret: b.body.secret, codes: c.body.recovery_codes, step };
}

// The password step of an enrolled person: a challenge, no session.
async function challenge(s, username) {
  const r = await login(s, username);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.mfa_required, true);
  assert.equal(r.cookie, null, 'no session before the second factor');
  assert.equal(r.body.account, undefined);
  return r.body.challenge;
}

function second(s, body) {
  return s.json('/api/v1/auth/login/mfa', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => {
    const m = /tinhso_session=([^;]*)/.exec(r.headers.get('set-cookie') || '');
    return { ...r, cookie: m ? m[1] : null, csrf: r.body?.csrf_token };
  });
}

let srv, open;
before(async () => {
  srv = await startServer({ mfaRequired: true }); // the product's default: admins must enrol
  open = await startServer();                     // mfa_required_roles: []
});
after(async () => { await srv?.close(); await open?.close(); });

test('a demo administrator who has not enrolled can only enrol, read /me and sign out', async () => {
  const s = await signedIn(srv, 'stp.quantri');
  assert.equal(s.body.restricted, 'mfa_enrol');
  assert.equal(s.body.mfa, false);
  for (const [path, method, body] of [
    ['/api/v1/accounts', 'GET'],
    ['/api/v1/tokens', 'GET'],
    ['/api/v1/audit', 'GET'],
    ['/api/v1/accounts', 'POST', { username: 'x.y', full_name: 'X Y', password: 'sông Hồng chảy mãi', role: 'officer', agency_code: '000.00.03.H06' }],
  ]) {
    const r = await as(srv, s, path, method, body);
    assertProblem(r, 403);
    assert.match(r.body.detail, /xác thực hai lớp/);
  }
  const en = await as(srv, s, '/api/v1/accounts', 'GET', undefined, { 'Accept-Language': 'en' });
  assert.match(en.body.detail, /enrol an authenticator app/);
  const me = await as(srv, s, '/api/v1/me');
  assert.equal(me.status, 200);
  const st = await as(srv, s, '/api/v1/me/mfa');
  assert.deepEqual([st.body.enrolled, st.body.required], [false, true]);
  // an officer (not a required role) is not restricted
  const o = await signedIn(srv, 'stp.canbo1');
  assert.equal(o.body.restricted, null);
});

test('enrolment: secret, otpauth URI and QR code; a wrong first code is refused; ten recovery codes; the session is freed', async () => {
  const s = await signedIn(srv, 'syt.quantri');
  const b = await as(srv, s, '/api/v1/me/mfa/totp', 'POST');
  assert.equal(b.status, 201);
  assert.match(b.body.secret, /^[A-Z2-7]{32}$/);
  assert.equal(b.body.otpauth_uri, `otpauth://totp/tinhso:syt.quantri?secret=${b.body.secret}&issuer=tinhso&algorithm=SHA1&digits=6&period=30`);
  assert.match(b.body.qr_svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
  const wrong = await as(srv, s, '/api/v1/me/mfa/totp/confirm', 'POST', { code: totp(b.body.secret, nowStep() + 5) });
  assertProblem(wrong, 422, 'code');
  assert.equal((await as(srv, s, '/api/v1/accounts')).status, 403, 'still restricted');
  const before = auditCount(srv.db.url);
  const ok = await as(srv, s, '/api/v1/me/mfa/totp/confirm', 'POST', { code: totp(b.body.secret) });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.recovery_codes.length, 10);
  assert.equal(new Set(ok.body.recovery_codes).size, 10);
  for (const c of ok.body.recovery_codes) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
  assert.equal(auditCount(srv.db.url), before + 1, 'mfa.enrol audited');
  const list = await as(srv, s, '/api/v1/accounts');
  assert.equal(list.status, 200, 'the same session may now work');
  const again = await as(srv, s, '/api/v1/me/mfa/totp', 'POST');
  assertProblem(again, 409);
  const audit = await as(srv, s, '/api/v1/audit?object_id=syt.quantri');
  assert.ok(audit.body.items.some((e) => e.action === 'mfa.enrol'));
  // the secret is not in the database in clear (sealed, or at least not base32)
  const raw = srv.db.psql ? srv.db.psql("SELECT secret FROM mfa_totp") : srv.db.sqlite('SELECT secret FROM mfa_totp');
  assert.ok(!raw.includes(b.body.secret));
});

test('sign-in second step: wrong code, replayed code and a code from a far step fail; a recovery code works once', async () => {
  const s = await signedIn(srv, 'ttpvhcc.quantri');
  const { secret, codes, step } = await enrol(srv, s);
  // the password alone gives no session
  let ch = await challenge(srv, 'ttpvhcc.quantri');
  assertProblem(await second(srv, { challenge: ch, code: '000000' === totp(secret) ? '111111' : '000000' }), 401, 'code');
  // the code used to confirm the enrolment: never again
  assertProblem(await second(srv, { challenge: ch, code: totp(secret, step) }), 401, 'code');
  // far steps (±2 and more) are refused
  assertProblem(await second(srv, { challenge: ch, code: totp(secret, nowStep() + 3) }), 401, 'code');
  assertProblem(await second(srv, { challenge: ch, code: totp(secret, nowStep() - 3) }), 401, 'code');
  // the next step's code works (one step of drift)
  const nextCode = totp(secret, step + 1);
  const ok = await second(srv, { challenge: ch, code: nextCode });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(ok.cookie);
  assert.equal(ok.body.restricted, null);
  assert.equal(ok.body.mfa, true);
  assert.equal((await as(srv, ok, '/api/v1/accounts')).status, 200);
  // a challenge is spent by its success
  assertProblem(await second(srv, { challenge: ch, code: totp(secret, step + 1) }), 401);
  // the same code, replayed with a fresh challenge
  ch = await challenge(srv, 'ttpvhcc.quantri');
  assertProblem(await second(srv, { challenge: ch, code: nextCode }), 401, 'code');
  // a recovery code works once, in any case, with or without the dash
  const rc = await second(srv, { challenge: ch, recovery_code: codes[0].toUpperCase().replace('-', ' ') });
  assert.equal(rc.status, 200, JSON.stringify(rc.body));
  ch = await challenge(srv, 'ttpvhcc.quantri');
  assertProblem(await second(srv, { challenge: ch, recovery_code: codes[0] }), 401, 'recovery_code');
  const left = await as(srv, rc, '/api/v1/me/mfa');
  assert.equal(left.body.recovery_codes_left, 9);
  const audit = await as(srv, rc, '/api/v1/audit?object_id=ttpvhcc.quantri');
  const actions = audit.body.items.map((e) => e.action);
  assert.ok(actions.includes('mfa.recovery_used'));
  assert.ok(!actions.includes('auth.mfa_failed'), 'wrong codes are security events, not an entry each');
  // neither a code nor a recovery code, or both: 422
  assertProblem(await second(srv, { challenge: ch }), 422, 'code');
  assertProblem(await second(srv, { challenge: ch, code: '123456', recovery_code: codes[1] }), 422, 'code');
  // a made-up challenge
  assertProblem(await second(srv, { challenge: 'x'.repeat(43), code: totp(secret) }), 401);
});

test('a challenge dies after five wrong codes; the account refuses codes after ten wrong ones (429); both are aggregated security events', async () => {
  const open = await startServer({ keepDb: true });
  try {
    await challengeLimits(open);
  } finally {
    await open.stop(); // the minute's counts are written on the way out
  }
  try {
    const sql = (q) => (open.db.psql ? open.db.psql(q) : open.db.sqlite(q)).trim();
    const rows = (action) => sql(`SELECT object_id || '|' || summary FROM audit_log WHERE action = '${action}'`)
      .split('\n').filter(Boolean).map((l) => ({ source: l.slice(0, l.indexOf('|')), ...JSON.parse(l.slice(l.indexOf('|') + 1)) }));
    const failed = rows('security.mfa_failed');
    assert.ok(failed.length >= 1 && failed.length <= 2, `${failed.length} entries (two when a minute ended)`);
    assert.equal(failed.reduce((n, e) => n + e.count, 0), 10, 'the ten wrong codes');
    assert.equal(failed[0].source, '127.0.0.1');
    assert.equal(failed[0].detail, 'stp.lanhdao');
    const limited = rows('security.throttled').filter((e) => e.detail === 'second factor');
    assert.equal(limited.reduce((n, e) => n + e.count, 0), 1, 'the refusal (429)');
  } finally {
    open.db.cleanup();
  }
});

async function challengeLimits(open) {
  const s = await signedIn(open, 'stp.lanhdao');
  const { secret } = await enrol(open, s);
  const bad = totp(secret, nowStep() + 7);
  let ch = await challenge(open, 'stp.lanhdao');
  for (let i = 0; i < 5; i++) assertProblem(await second(open, { challenge: ch, code: bad }), 401, 'code');
  const dead = await second(open, { challenge: ch, code: totp(secret, nowStep() + 1) });
  assertProblem(dead, 401);
  assert.equal(dead.body.errors.length, 0, 'the challenge itself is gone');
  ch = await challenge(open, 'stp.lanhdao');
  for (let i = 0; i < 5; i++) assertProblem(await second(open, { challenge: ch, code: bad }), 401, 'code');
  ch = await challenge(open, 'stp.lanhdao');
  const limited = await second(open, { challenge: ch, code: totp(secret, nowStep() + 1) });
  assertProblem(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
}

test('a citizen may opt in; the factor is removed with a current code only', async () => {
  const s = await signedIn(open, 'nguoidan1');
  assert.equal(s.body.restricted, null);
  const { secret, step, codes } = await enrol(open, s);
  const ch = await challenge(open, 'nguoidan1');
  assertProblem(await second(open, { challenge: ch, code: totp(secret, step) }), 401, 'code');
  const ok = await second(open, { challenge: ch, recovery_code: codes[3] });
  assert.equal(ok.status, 200);
  assertProblem(await as(open, ok, '/api/v1/me/mfa/remove', 'POST', { code: totp(secret, step + 5) }), 422, 'code');
  assertProblem(await as(open, ok, '/api/v1/me/mfa/remove', 'POST', {}), 422, 'code');
  const before = auditCount(open.db.url);
  const rm = await as(open, ok, '/api/v1/me/mfa/remove', 'POST', { code: totp(secret, step + 1) });
  assert.equal(rm.status, 204, JSON.stringify(rm.body));
  assert.equal(auditCount(open.db.url), before + 1, 'mfa.remove audited');
  const plain = await signedIn(open, 'nguoidan1');
  assert.equal(plain.body.mfa, false);
  assert.ok(plain.cookie, 'the password alone signs in again');
});

test('an administrator resets a colleague\'s factor only within scope; the colleague signs in with the password again', async () => {
  const s = await signedIn(open, 'stp.canbo2');
  await enrol(open, s);
  const id = s.body.account.id;
  // Sở Y tế's administrator: not over a Sở Tư pháp officer
  const syt = await signedIn(open, 'syt.quantri');
  const out = await as(open, syt, `/api/v1/accounts/${id}/mfa`, 'DELETE');
  assertProblem(out, 403);
  assert.equal((await login(open, 'stp.canbo2')).body.mfa_required, true, 'unchanged');
  // an officer is no administrator at all
  const peer = await signedIn(open, 'stp.canbo1');
  assertProblem(await as(open, peer, `/api/v1/accounts/${id}/mfa`, 'DELETE'), 403);
  // Sở Tư pháp's administrator may
  const stp = await signedIn(open, 'stp.quantri');
  const r = await as(open, stp, `/api/v1/accounts/${id}/mfa`, 'DELETE');
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assertProblem(await as(open, stp, `/api/v1/accounts/${id}/mfa`, 'DELETE'), 404);
  assert.equal((await as(open, s, '/api/v1/me')).status, 401, 'the colleague\'s sessions ended');
  const again = await signedIn(open, 'stp.canbo2');
  assert.equal(again.body.mfa, false);
  const audit = await as(open, stp, '/api/v1/audit?object_id=stp.canbo2');
  assert.ok(audit.body.items.some((e) => e.action === 'mfa.reset' && e.actor === `user:${stp.body.account.id}`));
});

test('mfa_required_roles rejects an unknown role, naming the entry', async () => {
  const { cli } = await import('./lib/server.mjs');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const f = join(mkdtempSync(join(tmpdir(), 'tinhso-mfa-')), 'c.json');
  writeFileSync(f, JSON.stringify({ mfa_required_roles: ['agency_admin', 'chief'] }));
  const r = cli(['serve', '--db', srv.db.url, '--listen', '127.0.0.1:0', '--config', f]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mfa_required_roles\[1\]/);
});

void DEMO_PW;

test('the right password of an enrolled account is not a failed try: many password steps from one address are never throttled', async () => {
  const s = await signedIn(srv, 'nguoidan2'); // a citizen opting in (the other server)
  await enrol(srv, s);
  // the pair rule waits after 3 failures; 6 right passwords (second step left undone) must all get a challenge
  for (let i = 0; i < 6; i++) await challenge(srv, 'nguoidan2');
});
