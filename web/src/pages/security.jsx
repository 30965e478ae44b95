// security.jsx — the second factor (decisions §29): the sign-in's second
// step, enrolment (QR code, first code, recovery codes shown once), removal,
// and setting one's password from a single-use reset link.
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { loadMe, useSession } from '../store.js';
import { navigate } from '../router.js';
import { Page, Field, Problem, Alert, Link, useForm, requireFields, useLoad, Loading, LoadError } from '../ui.jsx';

// The 6-digit code of an authenticator app, in form f.
function CodeField({ f, hint = t('mfa.code.hint') }) {
  return (
    <Field name="code" label={t('mfa.code')} hint={hint} required
      inputmode="numeric" autocomplete="one-time-code" maxlength={6} pattern="[0-9]*"
      value={f.values.code} onInput={f.set('code')} error={f.errors.code} />
  );
}

// A new password typed twice, in form f (values new_password, new_password2).
export function NewPasswordFields({ f }) {
  return (
    <>
      <Field name="new_password" type="password" label={t('account.new_password')} hint={t('register.password.hint')} required
        autocomplete="new-password" value={f.values.new_password} onInput={f.set('new_password')} error={f.errors.new_password} />
      <Field name="new_password2" type="password" label={t('account.new_password2')} required autocomplete="new-password"
        value={f.values.new_password2} onInput={f.set('new_password2')} error={f.errors.new_password2} />
    </>
  );
}

// The local checks of a form with NewPasswordFields: required fields, the two the same.
export function checkNewPassword(v, required) {
  const out = requireFields(v, required);
  if (!out.new_password2 && v.new_password !== v.new_password2) out.new_password2 = t('form.mismatch');
  return out;
}

// The second step of a sign-in: a code of the app, or a recovery code.
export function SecondStep({ challenge, onDone }) {
  const [recovery, setRecovery] = useState(false);
  const f = useForm({ code: '', recovery_code: '' });
  const name = recovery ? 'recovery_code' : 'code';
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const body = recovery ? { challenge, recovery_code: v.recovery_code.trim() } : { challenge, code: v.code.trim() };
      const me = await post('/api/v1/auth/login/mfa', body, { quiet401: true });
      onDone(me);
    }, (v) => requireFields(v, [name]));
  };
  return (
    <>
      <p>{t(recovery ? 'mfa.step.recoveryLead' : 'mfa.step.lead')}</p>
      <Problem error={f.problem} fields={[name]} />
      <form class="form narrow" onSubmit={onSubmit} noValidate>
        {recovery ? (
          <Field key="r" name="recovery_code" label={t('mfa.recovery_code')} hint={t('mfa.recovery_code.hint')} required
            autocomplete="off" autocapitalize="none" spellcheck={false}
            value={f.values.recovery_code} onInput={f.set('recovery_code')} error={f.errors.recovery_code} />
        ) : (
          <CodeField key="c" f={f} />
        )}
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('login.busy') : t('mfa.step.submit')}</button>
          <button type="button" class="btn" onClick={() => { setRecovery(!recovery); f.setProblem(null); }}>
            {t(recovery ? 'mfa.step.useCode' : 'mfa.step.useRecovery')}
          </button>
        </div>
      </form>
    </>
  );
}

function RecoveryCodes({ codes, onDone }) {
  return (
    <section class="card" aria-labelledby="rc-h">
      <h2 id="rc-h">{t('mfa.codes.title')}</h2>
      <Alert kind="success" focusOn={codes}>{t('mfa.enrolled')}</Alert>
      <p>{t('mfa.codes.lead')}</p>
      <ol class="recovery-codes" data-testid="recovery-codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ol>
      <div class="actions">
        <button type="button" class="btn btn-primary" onClick={onDone}>{t('mfa.codes.saved')}</button>
      </div>
    </section>
  );
}

function Enrol({ onEnrolled }) {
  const [e, setE] = useState(null);
  const start = useForm({});
  const f = useForm({ code: '' });
  const begin = () => start.submit(async () => setE(await post('/api/v1/me/mfa/totp')));
  const onSubmit = (ev) => {
    ev.preventDefault();
    f.submit(async (v) => {
      const r = await post('/api/v1/me/mfa/totp/confirm', { code: v.code.trim() });
      onEnrolled(r.recovery_codes);
    }, (v) => requireFields(v, ['code']));
  };
  if (!e) {
    return (
      <section class="card" aria-labelledby="en-h">
        <h2 id="en-h">{t('mfa.enrol.title')}</h2>
        <p>{t('mfa.enrol.lead')}</p>
        <Problem error={start.problem} />
        <div class="actions">
          <button type="button" class="btn btn-primary" onClick={begin} disabled={start.busy}>{t('mfa.enrol.start')}</button>
        </div>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="en-h">
      <h2 id="en-h">{t('mfa.enrol.title')}</h2>
      <ol class="steps">
        <li>{t('mfa.enrol.scan')}
          <img class="qr" data-testid="mfa-qr" width="240" height="240" alt={t('mfa.enrol.qrAlt')}
            src={'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(e.qr_svg)} />
          <p>{t('mfa.enrol.orType')} <code class="secret" data-testid="mfa-secret">{e.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
        </li>
        <li>{t('mfa.enrol.confirm')}
          <Problem error={f.problem} fields={['code']} />
          <form class="form narrow" onSubmit={onSubmit} noValidate>
            <CodeField f={f} />
            <div class="actions">
              <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('mfa.enrol.submit')}</button>
            </div>
          </form>
        </li>
      </ol>
    </section>
  );
}

function Remove({ onRemoved }) {
  const f = useForm({ code: '' });
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      await post('/api/v1/me/mfa/remove', { code: v.code.trim() });
      onRemoved();
    }, (v) => requireFields(v, ['code']));
  };
  return (
    <section class="card" aria-labelledby="rm-h">
      <h2 id="rm-h">{t('mfa.remove.title')}</h2>
      <p>{t('mfa.remove.lead')}</p>
      <Problem error={f.problem} fields={['code']} />
      <form class="form narrow" onSubmit={onSubmit} noValidate>
        <CodeField f={f} hint={t('mfa.remove.hint')} />
        <div class="actions">
          <button type="submit" class="btn" disabled={f.busy}>{t('mfa.remove.submit')}</button>
        </div>
      </form>
    </section>
  );
}

export function SecurityPage() {
  const { me } = useSession();
  const [codes, setCodes] = useState(null);
  const [removed, setRemoved] = useState(false);
  const { data, error, reload } = useLoad(() => get('/api/v1/me/mfa'), []);
  const title = t('mfa.title');
  if (codes) {
    return (
      <Page title={title}>
        <RecoveryCodes codes={codes} onDone={async () => { await loadMe(); navigate('/account', null, { replace: true }); }} />
      </Page>
    );
  }
  if (error) return <Page title={title}><LoadError error={error} retry={reload} /></Page>;
  if (!data) return <Page title={title}><Loading /></Page>;
  return (
    <Page title={title}>
      {me?.restricted === 'mfa_enrol' && <Alert kind="info">{t('mfa.required')}</Alert>}
      {removed && <Alert kind="success" focusOn={removed}>{t('mfa.removed')}</Alert>}
      {data.enrolled ? (
        <>
          <section class="card" aria-labelledby="st-h">
            <h2 id="st-h">{t('mfa.status')}</h2>
            <p data-testid="mfa-status">{t('mfa.on', { n: data.recovery_codes_left })}</p>
          </section>
          <Remove onRemoved={async () => { setRemoved(true); await loadMe(); reload(); }} />
        </>
      ) : (
        <Enrol onEnrolled={setCodes} />
      )}
      <p><Link to="/account">{t('mfa.back')}</Link></p>
    </Page>
  );
}

// /password-reset?token=… — the person sets their own password from a link.
export function PasswordResetPage({ query }) {
  const f = useForm({ new_password: '', new_password2: '' });
  const [done, setDone] = useState(false);
  const fields = ['token', 'new_password', 'new_password2'];
  const check = (v) => checkNewPassword(v, ['new_password', 'new_password2']);
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      await post('/api/v1/auth/password-reset', { token: query.token || '', new_password: v.new_password }, { quiet401: true });
      setDone(true);
    }, check);
  };
  return (
    <Page title={t('reset.title')}>
      {done ? (
        <>
          <Alert kind="success" focusOn={done}>{t('reset.done')}</Alert>
          <p><Link to="/login">{t('login.submit')}</Link></p>
        </>
      ) : (
        <>
          <p>{t('reset.lead')}</p>
          {f.errors.token
            ? <Alert kind="error" focusOn={f.problem}><p class="alert-title">{f.errors.token}</p></Alert>
            : <Problem error={f.problem} fields={fields} />}
          <form class="form narrow" onSubmit={onSubmit} noValidate>
            <NewPasswordFields f={f} />
            <div class="actions">
              <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('reset.submit')}</button>
            </div>
          </form>
        </>
      )}
    </Page>
  );
}

