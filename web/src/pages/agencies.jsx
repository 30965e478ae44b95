// agencies.jsx — agencies administration: list and search, detail, create, edit.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { get, post, patch, qs } from '../api.js';
import { useSession, isSystemAdmin, canAdminAgency } from '../store.js';
import { navigate } from '../router.js';
import { AgencyHours } from './hours.jsx';
import { Page, Link, Field, Problem, Alert, Loading, LoadError, Forbidden, useForm, useLoad, requireFields } from '../ui.jsx';

// The kinds come from the API (GET /api/v1/agency-kinds), loaded once.
let kindsOnce = null;
function useKinds() {
  const [kinds, setKinds] = useState([]);
  useEffect(() => {
    if (!kindsOnce) kindsOnce = get('/api/v1/agency-kinds').then((d) => d.items, (e) => { kindsOnce = null; throw e; });
    let live = true;
    kindsOnce.then((k) => live && setKinds(k), () => {});
    return () => { live = false; };
  }, []);
  return kinds;
}
const PAGE = 25;

export function AgenciesPage({ query }) {
  const kinds = useKinds();
  const { me } = useSession();
  const [q, setQ] = useState(query.q || '');
  const [kind, setKind] = useState(query.kind || '');
  const offset = Math.max(0, parseInt(query.offset || '0', 10) || 0);
  const { data, error, loading, reload } = useLoad(
    () => get('/api/v1/agencies' + qs({ q: query.q, kind: query.kind, parent: query.parent, limit: PAGE, offset })),
    [query.q, query.kind, query.parent, offset],
  );
  const onSearch = (e) => {
    e.preventDefault();
    navigate('/agencies', { q: q.trim(), kind, parent: query.parent });
  };
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE)) : 1;
  const page = Math.floor(offset / PAGE) + 1;
  const go = (o) => navigate('/agencies', { q: query.q, kind: query.kind, parent: query.parent, offset: o || undefined });
  return (
    <Page title={t('agencies.title')} wide>
      <div class="toolbar">
        <form class="search" role="search" onSubmit={onSearch}>
          <Field name="q" type="search" label={t('agencies.search')} value={q} onInput={setQ} />
          <Field name="kind" as="select" label={t('agencies.kind')} value={kind} onInput={setKind}
            options={[{ value: '', label: t('agencies.kind.all') }, ...kinds.map((k) => ({ value: k, label: t('agencykind.' + k) }))]} />
          <button type="submit" class="btn">{t('agencies.search.submit')}</button>
        </form>
        {isSystemAdmin(me) && <Link class="btn btn-primary" to="/agencies/new">{t('agencies.new')}</Link>}
      </div>
      {loading && <Loading />}
      {error && <LoadError error={error} retry={reload} />}
      {data && (
        <>
          <p role="status">{t('agencies.total', { n: data.total })}</p>
          {data.items.length === 0 ? <p>{t('agencies.none')}</p> : (
            <div class="table-wrap">
              <table class="table">
                <thead><tr><th scope="col">{t('agencies.name')}</th><th scope="col">{t('agencies.code')}</th><th scope="col">{t('agencies.kind')}</th><th scope="col">{t('agencies.level')}</th></tr></thead>
                <tbody>
                  {data.items.map((a) => (
                    <tr key={a.code}>
                      <td><Link to={`/agencies/${a.code}`}>{a.name}</Link>{a.valid_to && <span class="badge badge-muted">{t('agency.closed', { date: a.valid_to })}</span>}</td>
                      <td class="mono">{a.code}</td>
                      <td>{t('agencykind.' + a.kind)}</td>
                      <td>{a.level}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav class="pager" aria-label={t('agencies.page', { page, pages })}>
              <button type="button" class="btn" disabled={offset === 0} onClick={() => go(Math.max(0, offset - PAGE))}>{t('agencies.prev')}</button>
              <span>{t('agencies.page', { page, pages })}</span>
              <button type="button" class="btn" disabled={offset + PAGE >= data.total} onClick={() => go(offset + PAGE)}>{t('agencies.next')}</button>
            </nav>
          )}
        </>
      )}
    </Page>
  );
}

export function AgencyPage({ code, query }) {
  const { me } = useSession();
  const { data: a, error, loading, reload } = useLoad(() => get('/api/v1/agencies/' + encodeURIComponent(code)), [code]);
  if (loading) return <Page title={t('agency.title')}><Loading /></Page>;
  if (error) return error.status === 403 || error.status === 404 ? <LoadError error={error} /> : <Page title={t('agency.title')}><LoadError error={error} retry={reload} /></Page>;
  const admin = canAdminAgency(me, a.code, a.parents || []);
  const row = (label, v) => v ? <><dt>{label}</dt><dd>{v}</dd></> : null;
  return (
    <Page title={a.name} wide>
      {query.saved && <Alert kind="success">{t(query.saved === 'new' ? 'agency.created' : 'agency.saved')}</Alert>}
      {a.parents?.length > 0 && (
        <nav aria-label={t('agency.parents')} class="crumbs">
          <ol>{a.parents.map((p) => <li key={p.code}><Link to={`/agencies/${p.code}`}>{p.name}</Link></li>)}</ol>
        </nav>
      )}
      <div class="actions spaced">
        {admin && <Link class="btn btn-primary" to={`/agencies/${a.code}/edit`}>{t('agency.edit')}</Link>}
        {admin && <Link class="btn" to="/audit" query={{ object_type: 'agency', object_id: a.code }}>{t('agency.audit')}</Link>}
        {admin && <Link class="btn" to="/people" query={{ agency: a.code }}>{t('agency.people')}</Link>}
      </div>
      <dl class="props card">
        {row(t('field.code'), <span class="mono">{a.code}</span>)}
        {row(t('field.kind'), t('agencykind.' + a.kind))}
        {row(t('field.short_name'), a.short_name)}
        {row(t('field.unit_code'), a.unit_code)}
        {row(t('field.email'), a.email)}
        {row(t('field.phone'), a.phone)}
        {row(t('field.address'), a.address)}
        {row(t('field.website'), a.website && <a href={a.website} rel="noopener noreferrer">{a.website}</a>)}
        {row(t('field.valid_from'), a.valid_from)}
        {row(t('field.valid_to'), a.valid_to)}
        {row(t('agency.children'), String(a.children ?? 0))}
      </dl>
      {a.children > 0 && <p><Link to="/agencies" query={{ parent: a.code }}>{t('agency.children.list')}</Link></p>}
      <AgencyHours code={a.code} admin={admin} />
    </Page>
  );
}

const EDITABLE = ['name', 'short_name', 'parent_code', 'email', 'phone', 'address', 'website', 'valid_to'];
const CREATE = ['code', 'name', 'short_name', 'parent_code', 'kind', 'unit_code', 'email', 'phone', 'address', 'website', 'valid_from'];

function AgencyForm({ initial, isNew, onSave, title, cancelTo }) {
  const kinds = useKinds();
  const f = useForm(initial);
  const fields = isNew ? CREATE : EDITABLE;
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit((v) => onSave(v), (v) => requireFields(v, isNew ? ['code', 'name'] : ['name']));
  };
  const fld = (name, props = {}) => (
    <Field name={name} label={t('field.' + name)} value={f.values[name]} onInput={f.set(name)} error={f.errors[name]} {...props} />
  );
  return (
    <Page title={title}>
      <Problem error={f.problem} fields={fields} />
      <form class="form" onSubmit={onSubmit} noValidate>
        {isNew && fld('code', { required: true, hint: t('field.code.hint'), spellcheck: false })}
        {fld('name', { required: true })}
        {fld('short_name')}
        {fld('parent_code', { hint: t('field.code.hint'), spellcheck: false })}
        {isNew && fld('kind', { as: 'select', options: kinds.map((k) => ({ value: k, label: t('agencykind.' + k) })) })}
        {isNew && fld('unit_code', { inputmode: 'numeric' })}
        {fld('email', { type: 'email' })}
        {fld('phone', { type: 'tel' })}
        {fld('address', { as: 'textarea' })}
        {fld('website', { type: 'url' })}
        {isNew ? fld('valid_from', { type: 'date' }) : fld('valid_to', { type: 'date' })}
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={f.busy}>{f.busy ? t('form.saving') : t('form.save')}</button>
          <Link class="btn" to={cancelTo}>{t('form.cancel')}</Link>
        </div>
      </form>
    </Page>
  );
}

export function AgencyNewPage({ query }) {
  const { me } = useSession();
  if (!isSystemAdmin(me)) return <Forbidden />;
  const init = { code: '', name: '', short_name: '', parent_code: query.parent || '', kind: 'department', unit_code: '', email: '', phone: '', address: '', website: '', valid_from: '' };
  const onSave = async (v) => {
    const body = {};
    for (const k of CREATE) if (String(v[k] ?? '').trim()) body[k] = v[k].trim();
    const a = await post('/api/v1/agencies', body);
    navigate(`/agencies/${a.code}`, { saved: 'new' }, { replace: true });
  };
  return <AgencyForm initial={init} isNew onSave={onSave} title={t('agency.new.title')} cancelTo="/agencies" />;
}

export function AgencyEditPage({ code }) {
  const { me } = useSession();
  const { data: a, error, loading } = useLoad(() => get('/api/v1/agencies/' + encodeURIComponent(code)), [code]);
  if (loading) return <Page title={t('agency.title')}><Loading /></Page>;
  if (error) return <LoadError error={error} />;
  if (!canAdminAgency(me, a.code, a.parents || [])) return <Forbidden />;
  const init = {};
  for (const k of EDITABLE) init[k] = a[k] ?? '';
  const onSave = async (v) => {
    const body = {};
    for (const k of EDITABLE) {
      const nv = String(v[k] ?? '').trim();
      const ov = a[k] ?? '';
      if (nv !== ov) body[k] = nv === '' ? null : nv;
    }
    if (Object.keys(body).length) await patch('/api/v1/agencies/' + encodeURIComponent(a.code), body);
    navigate(`/agencies/${a.code}`, { saved: '1' }, { replace: true });
  };
  return <AgencyForm initial={init} onSave={onSave} title={t('agency.edit.title', { name: a.name })} cancelTo={`/agencies/${a.code}`} />;
}
