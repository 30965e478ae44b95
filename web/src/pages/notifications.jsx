// Notifications (thông báo): what changed in one's dossiers and what landed in
// the queues one works in, newest first, the unread ones marked; reading the
// page marks them read. The header's link shows how many are unread.
import { useEffect, useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { get, post } from '../api.js';
import { Page, Link, Loading, LoadError, useLoad } from '../ui.jsx';
import { fmtLocal } from './dossiers.jsx';

const pick = (vi, en) => (lang() === 'en' && en ? en : vi);
const PAGE = 20;

// The unread count for the header; looked at again on every page change and each minute.
export function useUnread(me, routeKey) {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!me) { setN(0); return undefined; }
    let live = true;
    const look = () => get('/api/v1/me/notifications?limit=1').then((r) => live && setN(r.unread), () => {});
    look();
    const timer = setInterval(look, 60000);
    const onSeen = (e) => live && setN(e.detail);
    window.addEventListener('tinhso:unread', onSeen);
    return () => { live = false; clearInterval(timer); window.removeEventListener('tinhso:unread', onSeen); };
  }, [me && me.account && me.account.id, routeKey]);
  return n;
}

export function NotificationsPage() {
  const [limit, setLimit] = useState(PAGE);
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/me/notifications?limit=${limit}`), [limit]);
  const [marked, setMarked] = useState(false);
  // what is on the screen counts as read (the newest one shown, and everything before it)
  useEffect(() => {
    if (!data || !data.items.length || data.unread === 0) return;
    post('/api/v1/me/notifications/seen', { up_to: data.items[0].id }).then((r) => {
      window.dispatchEvent(new CustomEvent('tinhso:unread', { detail: r.unread }));
      setMarked(true);
    }, () => {});
  }, [data]);
  if (loading && !data) return <Page title={t('nt.title')}><Loading /></Page>;
  if (error) return <Page title={t('nt.title')}><LoadError error={error} retry={reload} /></Page>;
  const unreadBefore = data.unread;
  return (
    <Page title={t('nt.title')}>
      <p class="lead measure">{t('nt.lead')}</p>
      {unreadBefore > 0 && <p role="status">{t(marked ? 'nt.nowRead' : 'nt.unread', { n: unreadBefore })}</p>}
      {data.items.length === 0 ? <p>{t('nt.none')}</p> : (
        <ol class="notices">
          {data.items.map((n) => (
            <li key={n.id} class={n.read ? 'notice' : 'notice notice-unread'}>
              <p class="notice-head">
                {!n.read && <span class="badge">{t('nt.new')}</span>}
                <Link to={n.link}>{pick(n.title, n.title_en)}</Link>
              </p>
              <p class="notice-body">{pick(n.body, n.body_en)}</p>
              <p class="notice-meta">
                <time dateTime={n.at}>{fmtLocal(toLocal(n.at))}</time>
                {n.queue && <> · {t('nt.queue')}</>}
              </p>
            </li>
          ))}
        </ol>
      )}
      {data.total > data.items.length && (
        <p><button type="button" class="btn btn-secondary" onClick={() => setLimit(Math.min(limit + PAGE, 100))}
          disabled={limit >= 100}>{t('nt.more')}</button></p>
      )}
    </Page>
  );
}

// "2026-12-03T16:46:39.123456Z" -> Vietnam time "2026-12-03T23:46" (for fmtLocal)
function toLocal(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 7 * 3600e3).toISOString().slice(0, 16);
}
