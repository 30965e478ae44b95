// auth.jsx — sign in, register, my account (with password change).
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { login, signedIn, loadMe, mustGo, currentMe, useSession, grants } from '../store.js';
import { SecondStep, NewPasswordFields, checkNewPassword } from './security.jsx';
import { navigate } from '../router.js';
import { Page, Field, Problem, Alert, Link, useForm, requireFields } from '../ui.jsx';

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
