// audit.jsx — the audit trail of one object (GET /api/v1/audit?object_type=&object_id=).
import { useEffect, useState } from 'preact/hooks';
import { t, fmtDateTime } from '../i18n.js';
import { get, qs } from '../api.js';
import { Page, Link, Loading, LoadError } from '../ui.jsx';

const PAGE = 50;

function summary(s) {
  if (s === null || s === undefined) return '';
  if (typeof s === 'string') {
    try { s = JSON.parse(s); } catch { return s; }
  }
  if (typeof s !== 'object') return String(s);
  return Object.entries(s).map(([k, v]) => {
    if (v && typeof v === 'object' && 'from' in v && 'to' in v) return `${k}: ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`;
    return `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`;
  }).join('; ');
}

export function AuditPage({ query }) {
  const { object_type: type, object_id: id } = query;
  const [items, setItems] = useState([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const load = async (offset) => {
    setLoading(true);
    setError(null);
    try {
      const p = await get('/api/v1/audit' + qs({ object_type: type, object_id: id, limit: PAGE, offset }));
      setItems((old) => (offset ? [...old, ...p.items] : p.items));
      setTotal(p.total);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => { load(0); }, [type, id]);
  if (error && error.status === 403) return <LoadError error={error} />;
  return (
    <Page title={t('audit.title')} wide>
      {type && <p>{t('audit.of', { type, id: id || '' })}{type === 'agency' && id && <> — <Link to={`/agencies/${id}`}>{id}</Link></>}</p>}
      {error && <LoadError error={error} retry={() => load(items.length)} />}
      {!loading && !error && items.length === 0 && <p>{t('audit.none')}</p>}
      {items.length > 0 && (
        <>
          <p role="status">{t('audit.total', { n: total })}</p>
          <div class="table-wrap">
            <table class="table">
              <thead><tr><th scope="col">{t('audit.at')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.summary')}</th></tr></thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.seq}>
                    <td><time dateTime={e.at}>{fmtDateTime(e.at)}</time></td>
                    <td class="mono">{e.actor}</td>
                    <td class="mono">{e.action}</td>
                    <td class="summary">{summary(e.summary)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {loading && <Loading />}
      {!loading && items.length < total && <button type="button" class="btn" onClick={() => load(items.length)}>{t('audit.more')}</button>}
    </Page>
  );
}
