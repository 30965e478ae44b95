// The public catalogue of administrative procedures: search (without
// diacritics) and filters, and a procedure's page — its cases with the
// processing time in plain words, fees, the papers to bring, the legal
// basis and where to file.
import { t, lang } from '../i18n.js';
import { get, qs } from '../api.js';
import { navigate } from '../router.js';
import { useSession, isAgencyAdmin, canAdminAgency, isSystemAdmin } from '../store.js';
import { Page, Link, Field, Alert, Loading, LoadError, useForm, useLoad } from '../ui.jsx';

const vnd = (n) => new Intl.NumberFormat(lang() === 'vi' ? 'vi-VN' : 'en-GB').format(n) + (lang() === 'vi' ? ' đồng' : ' VND');
const fmtDay = (iso) => iso && new Date(iso + 'T00:00:00Z').toLocaleDateString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' });
const pick = (vi, en) => (lang() === 'en' && en ? en : vi);
const TYPES = {
  'application/pdf': 'PDF', 'application/msword': 'DOC',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
};
const size = (n) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1048576).toFixed(1)} MB`);

// The names of the agencies a procedure names (its own page keeps codes
// only): one public, cached read each.
function useAgencyNames(codes) {
  const key = codes.join(',');
  const { data } = useLoad(async () => {
    const out = {};
    await Promise.all(codes.map(async (c) => {
      try { out[c] = (await get(`/api/v1/agencies/${encodeURIComponent(c)}`)).name; } catch { out[c] = null; }
    }));
    return out;
  }, [key]);
  return data || {};
}
const agencyLabel = (names, c) => (names[c] ? <>{names[c]} <span class="mono hint">({c})</span></> : <span class="mono">{c}</span>);

// "15 ngày làm việc", "4 giờ làm việc (trong ngày)"
export function timeText(tm) {
  const s = t('proc.unit.' + tm.unit, { n: tm.amount });
  return tm.same_day ? `${s} ${t('proc.sameDay')}` : s;
}

export function ProceduresPage({ query }) {
  const f = useForm({ q: query.q || '', level: query.level || '', service_level: query.service_level || '' });
  const params = { q: query.q, level: query.level, service_level: query.service_level, limit: 50, offset: query.offset };
  const { data, error, loading, reload } = useLoad(() => get('/api/v1/procedures' + qs(params)), [query.q, query.level, query.service_level, query.offset]);
  const onSubmit = (e) => {
    e.preventDefault();
    const v = f.values;
    navigate('/procedures', { q: v.q || undefined, level: v.level || undefined, service_level: v.service_level || undefined });
  };
  const { me } = useSession();
  const exportQs = qs({ q: query.q, level: query.level, service_level: query.service_level });
  return (
    <Page title={t('proc.title')} wide>
      <p class="lead measure">{t('proc.lead')}</p>
      {isAgencyAdmin(me) && <p><Link to="/procedures/new" class="btn">{t('proc.new')}</Link></p>}
      <form class="form filters" role="search" onSubmit={onSubmit}>
        <Field name="q" type="search" label={t('proc.search')} hint={t('proc.searchHint')} value={f.values.q} onInput={f.set('q')} />
        <Field name="level" as="select" label={t('proc.level')} value={f.values.level} onInput={f.set('level')}
          options={[{ value: '', label: t('proc.all') }, ...['province', 'commune'].map((l) => ({ value: l, label: t('proc.level.' + l) }))]} />
        <Field name="service_level" as="select" label={t('proc.serviceLevel')} value={f.values.service_level} onInput={f.set('service_level')}
          options={[{ value: '', label: t('proc.all') }, ...['toan_trinh', 'mot_phan'].map((l) => ({ value: l, label: t('proc.sl.' + l) }))]} />
        <button type="submit" class="btn btn-primary">{t('proc.go')}</button>
      </form>
      {loading && !data && <Loading />}
      {error && <LoadError error={error} retry={reload} />}
      {data && (
        <>
          <p role="status">{t('proc.count', { n: data.total })}</p>
          <p class="proc-export">{t('proc.export')}{' '}
            <a href={'/api/v1/procedures/export' + (exportQs ? exportQs + '&' : '?') + 'format=csv'} download>{t('proc.exportCsv')}</a>{' · '}
            <a href={'/api/v1/procedures/export' + exportQs} download>{t('proc.exportJson')}</a></p>
          <ul class="proc-list">
            {data.items.map((p) => (
              <li key={p.code} class="card">
                <h2 class="proc-name"><Link to={`/procedures/${p.code}`}>{pick(p.name, p.name_en)}</Link></h2>
                <p class="proc-meta">
                  <span class="mono">{p.code}</span> · {p.field} · {t('proc.level.' + p.level)} · <span class={`badge sl-${p.service_level}`}>{t('proc.sl.' + p.service_level)}</span>
                  {p.same_day && <> · <span class="badge">{t('proc.sameDayBadge')}</span></>}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}

function Case({ c }) {
  return (
    <section class="card proc-case" aria-label={c.name}>
      <h3>{pick(c.name, c.name_en)}</h3>
      <dl class="facts">
        {c.times.flatMap((tm, i) => [
          <dt key={`c${i}`}>{t('proc.channel.' + tm.channel)}</dt>,
          <dd key={`d${i}`}>{timeText(tm)}</dd>,
        ])}
        <dt>{t('proc.fees')}</dt>
        <dd>
          {c.fees.length === 0 ? t('proc.free') : (
            <ul class="plain">
              {c.fees.map((fee, i) => (
                <li key={i}>{fee.name}: <strong>{fee.amount_vnd === null ? fee.rule : fee.amount_vnd === 0 ? t('proc.free') : vnd(fee.amount_vnd)}</strong>{fee.ref && <span class="hint"> ({fee.ref})</span>}</li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </section>
  );
}

export function ProcedurePage({ code, query }) {
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/procedures/${encodeURIComponent(code)}` + qs({ version: query.version })), [code, query.version]);
  const p = data?.procedure;
  const names = useAgencyNames(p ? [p.agency, ...p.receiving].filter(Boolean) : []);
  const { me } = useSession();
  if (loading && !data) return <Page title={t('proc.title')}><Loading /></Page>;
  if (error) return <Page title={t('proc.title')}><LoadError error={error} retry={reload} /></Page>;
  const mayEdit = data.current && (p.agency ? canAdminAgency(me, p.agency) : isSystemAdmin(me));
  return (
    <Page title={pick(p.name, p.name_en)} wide>
      <nav class="crumbs" aria-label={t('proc.crumbs')}><ol><li><Link to="/procedures">{t('proc.title')}</Link></li></ol></nav>
      {query.saved && <Alert kind="success" focusOn={query.saved}>{t('proc.saved', { v: query.saved })}</Alert>}
      {data.current && <p><Link to={`/nop-ho-so/${p.code}`} class="btn">{t('ds.file.start')}</Link></p>}
      {mayEdit && <p><Link to={`/procedures/${p.code}/edit`} class="btn">{t('proc.edit')}</Link></p>}
      {!data.current && <p class="alert alert-warning" role="note">{t('proc.oldVersion', { v: data.version })} <Link to={`/procedures/${p.code}`}>{t('proc.toCurrent')}</Link></p>}
      <dl class="props card">
        <dt>{t('proc.code')}</dt><dd class="mono">{p.code}</dd>
        <dt>{t('proc.field')}</dt><dd>{pick(p.field, p.field_en)}</dd>
        <dt>{t('proc.level')}</dt><dd>{t('proc.level.' + p.level)}</dd>
        <dt>{t('proc.serviceLevel')}</dt><dd>{t('proc.sl.' + p.service_level)}</dd>
        <dt>{t('proc.agency')}</dt><dd>{p.agency ? agencyLabel(names, p.agency) : t('proc.communeAgency')}</dd>
        <dt>{t('proc.where')}</dt><dd>{p.receiving.length ? <ul class="plain">{p.receiving.map((c) => <li key={c}>{agencyLabel(names, c)}</li>)}</ul> : t('proc.communeAgency')}</dd>
        <dt>{t('proc.validity')}</dt><dd>{t('proc.from', { d: fmtDay(data.effective_from) })}{data.effective_to && ` — ${t('proc.until', { d: fmtDay(data.effective_to) })}`} ({t('proc.version', { v: data.version })})</dd>
      </dl>
      <h2>{t('proc.cases')}</h2>
      {p.cases.map((c, i) => <Case key={i} c={c} />)}
      <h2>{t('proc.components')}</h2>
      {/* wider than a phone: a region that keyboards can scroll */}
      <div class="table-wrap" tabIndex={0} role="region" aria-label={t('proc.components')}>
        <table class="table">
          <thead><tr><th scope="col">{t('proc.component')}</th><th scope="col">{t('proc.form')}</th><th scope="col">{t('proc.countCol')}</th><th scope="col">{t('proc.required')}</th><th scope="col">{t('proc.template')}</th></tr></thead>
          <tbody>
            {p.components.map((c, i) => (
              <tr key={i}>
                <td>{c.name}{c.from_state_data && <span class="hint"> — {t('proc.fromState')}</span>}</td>
                <td>{t('proc.form.' + c.form)}</td>
                <td>{c.count}</td>
                <td>{c.required ? t('proc.yes') : t('proc.no')}</td>
                <td>{c.template ? (
                  <a href={`/api/v1/templates/${c.template.sha256}`} download={c.template.filename}>
                    {t('proc.download', { name: c.template.filename, type: TYPES[c.template.media_type] || c.template.media_type, size: size(c.template.size) })}
                  </a>) : t('proc.noTemplate')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t('proc.results')}</h2>
      <ul>{p.results.map((r, i) => <li key={i}>{r}</li>)}</ul>
      <h2>{t('proc.legal')}</h2>
      <ul>{p.legal_basis.map((l, i) => <li key={i}><strong>{l.ref}</strong>{l.title && ` — ${l.title}`}{l.date && ` (${fmtDay(l.date)})`}</li>)}</ul>
      {data.versions.length > 1 && (
        <>
          <h2>{t('proc.versions')}</h2>
          <ul>{data.versions.map((v) => (
            <li key={v.version}><Link to={`/procedures/${p.code}`} query={{ version: v.version }}>{t('proc.version', { v: v.version })}</Link>: {t('proc.from', { d: fmtDay(v.effective_from) })}{v.effective_to && ` — ${t('proc.until', { d: fmtDay(v.effective_to) })}`}</li>
          ))}</ul>
        </>
      )}
    </Page>
  );
}
