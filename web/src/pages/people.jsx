// people.jsx — officers of an agency (agency admins): list them when the server
// offers GET /api/v1/accounts?agency=, and create an officer (POST /api/v1/accounts).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { api, get, post, qs, ApiError } from '../api.js';
import { useSession, grants, isSystemAdmin } from '../store.js';
import { navigate } from '../router.js';
import { Page, Field, Problem, Alert, Loading, Forbidden, useForm, useLoad, requireFields } from '../ui.jsx';

// the agencies this admin may manage: every agency within each agency_admin grant
// (a system admin: within each of their grants' agencies)
function useManagedAgencies(me) {
  const roots = grants(me).filter((g) => g.agency_code && (g.role === 'agency_admin' || g.role === 'system_admin')).map((g) => g.agency_code);
  return useLoad(async () => {
    const seen = new Map();
    for (const code of roots) {
      const page = await get('/api/v1/agencies' + qs({ within: code, limit: 1000 }));
      for (const a of page.items) if (!seen.has(a.code)) seen.set(a.code, a);
    }
    return [...seen.values()];
  }, [roots.join(',')]);
}

// An administrator's help for a colleague (decisions §29): a single-use
// password-reset link, shown once, and the reset of a lost second factor.
function Assist({ account }) {
  const [out, setOut] = useState(null);
  const [err, setErr] = useState(null);
  const run = async (fn) => {
    setOut(null);
    setErr(null);
    try { setOut(await fn()); } catch (e) { setErr(e); }
  };
  const link = () => run(async () => {
    const r = await post(`/api/v1/accounts/${account.id}/password-reset`);
    return { kind: 'link', url: location.origin + r.path };
  });
  const mfa = () => run(async () => {
    await api('DELETE', `/api/v1/accounts/${account.id}/mfa`);
    return { kind: 'mfa' };
  });
  return (
    <>
      <div class="row-actions">
        <button type="button" class="btn btn-small" onClick={link}>{t('people.resetLink')}</button>
        <button type="button" class="btn btn-small" onClick={mfa}>{t('people.resetMfa')}</button>
      </div>
      {err && <Problem error={err} />}
      {out?.kind === 'link' && (
        <Alert kind="success" focusOn={out}>
          <p>{t('people.resetLink.done', { username: account.username })}</p>
          <p><code class="secret" data-testid="reset-link">{out.url}</code></p>
        </Alert>
      )}
      {out?.kind === 'mfa' && <Alert kind="success" focusOn={out}>{t('people.resetMfa.done', { username: account.username })}</Alert>}
    </>
  );
}

function AccountList({ agency }) {
  const { data, error, loading } = useLoad(() => get('/api/v1/accounts' + qs({ agency, limit: 200 })), [agency]);
  if (loading) return <Loading />;
  if (error) {
    // the list endpoint may not exist yet on this server (404/405): say so, keep the form
    if (error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 400 && !error.errors.some((e) => e.field === 'agency')))
      return <Alert kind="info">{t('people.list.unavailable')}</Alert>;
    return <Problem error={error} />;
  }
  const items = Array.isArray(data?.items) ? data.items : [];
  if (!items.length) return <p>{t('people.none')}</p>;
  return (
    <div class="table-wrap">
      <table class="table">
        <thead><tr><th scope="col">{t('people.full_name')}</th><th scope="col">{t('people.username')}</th><th scope="col">{t('people.role')}</th><th scope="col">{t('people.status')}</th><th scope="col">{t('people.help')}</th></tr></thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id ?? a.username}>
              <td>{a.full_name}</td>
              <td class="mono">{a.username}</td>
              <td>{(a.grants || []).map((g) => t('role.' + g.role)).join(', ')}</td>
              <td>{a.disabled ? t('people.disabled') : t('people.active')}</td>
              <td><Assist account={a} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NewOfficer({ agencies, agency, onCreated }) {
  const { me } = useSession();
  const f = useForm({ username: '', full_name: '', password: '', role: 'officer', agency_code: agency, email: '', phone: '' });
  const [created, setCreated] = useState(null);
  useEffect(() => { f.set('agency_code')(agency); }, [agency]);
  const fields = ['username', 'full_name', 'password', 'role', 'agency_code', 'email', 'phone'];
  const roles = ['officer', 'leader', 'agency_admin', ...(isSystemAdmin(me) ? ['system_admin'] : [])];
  const onSubmit = (e) => {
    e.preventDefault();
    setCreated(null);
    f.submit(async (v) => {
      const body = { username: v.username.trim(), full_name: v.full_name.trim(), password: v.password, role: v.role, agency_code: v.agency_code };
      if (v.email.trim()) body.email = v.email.trim();
      if (v.phone.trim()) body.phone = v.phone.trim();
      await post('/api/v1/accounts', body);
      setCreated(body.username);
      f.setValues((s) => ({ ...s, username: '', full_name: '', password: '', email: '', phone: '' }));
      onCreated();
    }, (v) => requireFields(v, ['username', 'full_name', 'password', 'agency_code']));
  };
  return (
    <section class="card" aria-labelledby="new-h">
      <h2 id="new-h">{t('people.new')}</h2>
      {created && <Alert kind="success" focusOn={created}>{t('people.created', { username: created })}</Alert>}
      <Problem error={f.problem} fields={fields} />
      <form class="form" onSubmit={onSubmit} noValidate>
        <Field name="username" label={t('people.username')} hint={t('register.username.hint')} required autocomplete="off"
          autocapitalize="none" spellcheck={false} value={f.values.username} onInput={f.set('username')} error={f.errors.username} />
        <Field name="full_name" label={t('people.full_name')} required autocomplete="off"
          value={f.values.full_name} onInput={f.set('full_name')} error={f.errors.full_name} />
        <Field name="password" type="password" label={t('people.password')} hint={t('people.password.hint')} required
          autocomplete="new-password" value={f.values.password} onInput={f.set('password')} error={f.errors.password} />
        <Field name="role" as="select" label={t('people.role')} value={f.values.role} onInput={f.set('role')} error={f.errors.role}
          options={roles.map((r) => ({ value: r, label: t('role.' + r) }))} />
        <Field name="agency_code" as="select" label={t('people.agency_code')} required value={f.values.agency_code}
          onInput={f.set('agency_code')} error={f.errors.agency_code}
          options={agencies.map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))} />
        <Field name="email" type="email" label={t('people.email')} value={f.values.email} onInput={f.set('email')} error={f.errors.email} />
        <Field name="phone" type="tel" label={t('people.phone')} value={f.values.phone} onInput={f.set('phone')} error={f.errors.phone} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('people.submit')}</button>
        </div>
      </form>
    </section>
  );
}

export function PeoplePage({ query }) {
  const { me } = useSession();
  const managed = useManagedAgencies(me);
  const [n, setN] = useState(0);
  if (managed.loading) return <Page title={t('people.title')}><Loading /></Page>;
  if (managed.error) return <Page title={t('people.title')}><Problem error={managed.error} /></Page>;
  const list = managed.data;
  if (!list.length) return <Forbidden />;
  const agency = list.some((a) => a.code === query.agency) ? query.agency : list[0].code;
  if (query.agency && query.agency !== agency) return <Forbidden />;
  return (
    <Page title={t('people.title')} wide>
      <form class="search" onSubmit={(e) => e.preventDefault()}>
        <Field name="agency" as="select" label={t('people.agency')} value={agency}
          onInput={(v) => navigate('/people', { agency: v }, { replace: true })}
          options={list.map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))} />
      </form>
      <section aria-labelledby="list-h">
        <h2 id="list-h">{t('people.list')}</h2>
        <AccountList key={agency + ':' + n} agency={agency} />
      </section>
      <NewOfficer agencies={list} agency={agency} onCreated={() => setN((x) => x + 1)} />
    </Page>
  );
}
