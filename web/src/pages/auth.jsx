// auth.jsx — sign in, register, my account (with password change and the
// list of my sessions, each of which I can end).
import { useState } from 'preact/hooks';
import { t, fmtDateTime } from '../i18n.js';
import { get, post, del } from '../api.js';
import { login, logout, signedIn, loadMe, mustGo, currentMe, useSession, grants } from '../store.js';
import { SecondStep, NewPasswordFields, checkNewPassword } from './security.jsx';
import { navigate } from '../router.js';
import { Page, Field, Problem, Alert, Link, Loading, LoadError, useForm, requireFields, useLoad } from '../ui.jsx';

// where to go after signing in: ?next=/path (only our own hash routes)
function nextPath(query) {
  const n = query.next;
  return n && n.startsWith('/') && !n.startsWith('//') ? n : '/account';
}

export function LoginPage({ query }) {
  const f = useForm({ username: '', password: '' });
  const [challenge, setChallenge] = useState(null);
  const fields = ['username', 'password'];
  const go = (me) => {
    const [p, q] = (mustGo(me) || nextPath(query)).split('?');
    navigate(p, Object.fromEntries(new URLSearchParams(q || '')), { replace: true });
  };
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const r = await login(v.username.trim(), v.password, go);
      if (r?.mfa_required) setChallenge(r.challenge);
    }, (v) => requireFields(v, fields));
  };
  if (challenge) {
    return (
      <Page title={t('mfa.step.title')}>
        <SecondStep challenge={challenge} onDone={(me) => signedIn(me, go)} />
        <p><button type="button" class="btn" onClick={() => setChallenge(null)}>{t('mfa.step.restart')}</button></p>
      </Page>
    );
  }
  return (
    <Page title={t('login.title')}>
      {query.next && !f.problem && <Alert kind="info">{t('login.needed')}</Alert>}
      <Problem error={f.problem} fields={fields} />
      <form class="form narrow" onSubmit={onSubmit} noValidate>
        <Field name="username" label={t('login.username')} hint={t('login.username.hint')} required
          autocomplete="username" autocapitalize="none" spellcheck={false}
          value={f.values.username} onInput={f.set('username')} error={f.errors.username} />
        <Field name="password" type="password" label={t('login.password')} required autocomplete="current-password"
          value={f.values.password} onInput={f.set('password')} error={f.errors.password} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('login.busy') : t('login.submit')}</button>
        </div>
      </form>
      <p>{t('login.noAccount')} <Link to="/register">{t('login.register')}</Link></p>
    </Page>
  );
}

export function RegisterPage() {
  const f = useForm({ username: '', full_name: '', email: '', phone: '', password: '', password2: '' });
  const fields = ['username', 'full_name', 'email', 'phone', 'password', 'password2'];
  const check = (v) => {
    const out = requireFields(v, ['username', 'full_name', 'password', 'password2']);
    if (!out.password2 && v.password !== v.password2) out.password2 = t('form.mismatch');
    return out;
  };
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const body = { username: v.username.trim(), full_name: v.full_name, password: v.password };
      if (v.email.trim()) body.email = v.email.trim();
      if (v.phone.trim()) body.phone = v.phone.trim();
      await post('/api/v1/auth/register', body);
      await login(body.username, v.password, () => navigate('/account', { welcome: '1' }, { replace: true }));
    }, check);
  };
  return (
    <Page title={t('register.title')}>
      <p>{t('register.lead')}</p>
      <Problem error={f.problem} fields={fields} />
      <form class="form narrow" onSubmit={onSubmit} noValidate>
        <Field name="username" label={t('register.username')} hint={t('register.username.hint')} required
          autocomplete="username" autocapitalize="none" spellcheck={false}
          value={f.values.username} onInput={f.set('username')} error={f.errors.username} />
        <Field name="full_name" label={t('register.full_name')} required autocomplete="name"
          value={f.values.full_name} onInput={f.set('full_name')} error={f.errors.full_name} />
        <Field name="email" type="email" label={t('register.email')} autocomplete="email"
          value={f.values.email} onInput={f.set('email')} error={f.errors.email} />
        <Field name="phone" type="tel" label={t('register.phone')} autocomplete="tel"
          value={f.values.phone} onInput={f.set('phone')} error={f.errors.phone} />
        <Field name="password" type="password" label={t('register.password')} hint={t('register.password.hint')} required
          autocomplete="new-password" value={f.values.password} onInput={f.set('password')} error={f.errors.password} />
        <Field name="password2" type="password" label={t('register.password2')} required autocomplete="new-password"
          value={f.values.password2} onInput={f.set('password2')} error={f.errors.password2} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('register.submit')}</button>
        </div>
      </form>
      <p>{t('register.haveAccount')} <Link to="/login">{t('login.submit')}</Link></p>
    </Page>
  );
}

function PasswordForm() {
  const f = useForm({ old_password: '', new_password: '', new_password2: '' });
  const [done, setDone] = useState(false);
  const fields = ['old_password', 'new_password', 'new_password2'];
  const check = (v) => checkNewPassword(v, fields);
  const onSubmit = (e) => {
    e.preventDefault();
    setDone(false);
    f.submit(async (v) => {
      await post('/api/v1/me/password', { old_password: v.old_password, new_password: v.new_password });
      f.setValues({ old_password: '', new_password: '', new_password2: '' });
      setDone(true);
      await loadMe(); // a restriction to change it has ended
      const next = mustGo(currentMe());
      if (next && next !== '/account') navigate(next, null, { replace: true });
    }, check);
  };
  return (
    <section aria-labelledby="pw-h" class="card">
      <h2 id="pw-h">{t('account.password')}</h2>
      {done && <Alert kind="success" focusOn={done}>{t('account.password.done')}</Alert>}
      <Problem error={f.problem} fields={fields} />
      <form class="form" onSubmit={onSubmit} noValidate>
        <Field name="old_password" type="password" label={t('account.old_password')} required autocomplete="current-password"
          value={f.values.old_password} onInput={f.set('old_password')} error={f.errors.old_password} />
        <NewPasswordFields f={f} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('account.password.submit')}</button>
        </div>
      </form>
    </section>
  );
}

// "Chrome · Android", or what is known of it
function device(s) {
  const parts = [s.browser, s.os].filter(Boolean);
  return parts.length ? parts.join(' · ') : t('sessions.unknownDevice');
}

// My sessions (ASVS 3.3.4): where I am signed in, and ending any of them.
function SessionsSection() {
  const list = useLoad(() => get('/api/v1/me/sessions'), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const run = async (fn, message) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await fn();
      setDone(message);
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const end = (s) => (s.current
    ? logout(() => navigate('/login'))
    : run(() => del(`/api/v1/me/sessions/${s.id}`), t('sessions.ended', { device: device(s) })));
  const endOthers = () => run(() => del('/api/v1/me/sessions'), t('sessions.othersEnded'));
  const items = list.data?.items || [];
  return (
    <section aria-labelledby="sess-h" class="card" data-testid="sessions">
      <h2 id="sess-h">{t('sessions.title')}</h2>
      <p>{t('sessions.intro')}</p>
      {done && <Alert kind="success" focusOn={done}>{done}</Alert>}
      <Problem error={error} />
      {list.loading && !list.data ? <Loading /> : list.error ? <LoadError error={list.error} retry={list.reload} /> : (
        <ul class="sessions">
          {items.map((s) => (
            <li key={s.id} class="session" data-testid="session">
              <div class="session-what">
                <strong>{device(s)}</strong>
                {s.current && <span class="badge">{t('sessions.current')}</span>}
              </div>
              <dl class="props">
                <dt>{t('sessions.ip')}</dt><dd>{s.ip || '—'}</dd>
                <dt>{t('sessions.created')}</dt><dd><time dateTime={s.created_at}>{fmtDateTime(s.created_at)}</time></dd>
                <dt>{t('sessions.lastSeen')}</dt><dd><time dateTime={s.last_seen_at}>{fmtDateTime(s.last_seen_at)}</time></dd>
              </dl>
              <button type="button" class="btn" disabled={busy} onClick={() => end(s)}
                aria-label={t(s.current ? 'sessions.signOutHere' : 'sessions.end.label', { device: device(s) })}>
                {t(s.current ? 'sessions.signOutHere' : 'sessions.end')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {items.length > 1 && (
        <div class="actions">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={endOthers}>{t('sessions.endOthers')}</button>
        </div>
      )}
    </section>
  );
}

export function AccountPage({ query }) {
  const { me } = useSession();
  const a = me.account || {};
  const gs = grants(me);
  return (
    <Page title={t('account.title')}>
      {query.welcome && <Alert kind="success">{t('register.done')}</Alert>}
      {me.restricted === 'password_change' && <Alert kind="info">{t('account.mustChange')}</Alert>}
      <section class="card" aria-labelledby="acc-h">
        <h2 id="acc-h" class="visually-hidden">{t('account.title')}</h2>
        <dl class="props">
          <dt>{t('account.full_name')}</dt><dd data-testid="account-full-name">{a.full_name || '—'}</dd>
          <dt>{t('account.username')}</dt><dd data-testid="account-username">{a.username}</dd>
          <dt>{t('account.kind')}</dt><dd>{t('kind.' + a.kind)}</dd>
          {a.email && <><dt>{t('account.email')}</dt><dd data-testid="account-email">{a.email} ({t(a.email_verified ? 'account.verified' : 'account.unverified')})</dd></>}
          {a.phone && <><dt>{t('account.phone')}</dt><dd data-testid="account-phone">{a.phone} ({t(a.phone_verified ? 'account.verified' : 'account.unverified')})</dd></>}
        </dl>
        <h3>{t('account.grants')}</h3>
        {gs.length === 0 ? <p>{t('account.noGrants')}</p> : (
          <ul class="grants">
            {gs.map((g, i) => (
              <li key={i}>
                <strong>{t('role.' + g.role)}</strong>
                {g.agency_code && <> — <Link to={`/agencies/${g.agency_code}`}>{g.agency_name || g.agency_code}</Link></>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {me.auth === 'session' && <SessionsSection />}
      {me.auth === 'session' && <PasswordForm />}
      {me.auth === 'session' && (
        <section class="card" aria-labelledby="mfa-h">
          <h2 id="mfa-h">{t('mfa.title')}</h2>
          <p>{t(me.mfa ? 'mfa.account.on' : 'mfa.account.off')}</p>
          <p><Link to="/security">{t(me.mfa ? 'mfa.account.manage' : 'mfa.account.enrol')}</Link></p>
        </section>
      )}
    </Page>
  );
}
