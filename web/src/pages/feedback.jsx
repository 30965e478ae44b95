// Citizen feedback (phản ánh, kiến nghị — issue 11), the public side: the map
// and list of reports (moderated, no identity), one report's page (with the
// reporter's and the staff's fuller view and their actions, see
// feedback_desk.jsx), reporting a problem step by step with the nearby
// reports of the same category offered to follow instead, and one's own
// reports. Phone first: the map and the list are toggled on a phone, side by
// side on a wide screen; the list is the map's accessible equivalent.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { get, post, put, del, upload, qs, ApiError } from '../api.js';
import { navigate } from '../router.js';
import { useSession, grants } from '../store.js';
import { Page, Link, Field, Alert, Problem, Loading, LoadError, useForm, useLoad } from '../ui.jsx';
import { makeMap, addBoundaries, clusterLayer, pointMarker, PROVINCE_BOUNDS, L } from '../map/map.js';
import { StaffPanel } from './feedback_desk.jsx';

export const pick = (vi, en) => (lang() === 'en' && en ? en : vi);
const cap = (s) => (s ? s[0].toLocaleUpperCase('vi') + s.slice(1) : s);
export const statusName = (r) => cap(pick(r.status_name, r.status_name_en));
export const isStaff = (me) => grants(me).length > 0;
export const isLeader = (me) => grants(me).some((g) => g.role === 'leader' || g.role === 'system_admin');

// "2026-12-04T10:27+07:00" -> "10:27 04/12/2026"
export function fmtLocal(s) {
  if (!s) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s);
  return m ? `${m[4]}:${m[5]} ${m[3]}/${m[2]}/${m[1]}` : s;
}

// "2026-12-04T03:41:50.1Z" -> Vietnam time "10:41 04/12/2026"
function fmtAt(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : fmtLocal(new Date(ms + 7 * 3600e3).toISOString());
}

// Public answers may be cached for 30 s by the server's headers: a page that
// has just acted must see the new state, so the public reads revalidate.
const fresh = { cache: 'no-cache' };

// The categories, once per page load.
let cats;
export function loadCategories() {
  if (!cats) cats = get('/api/v1/feedback-categories').then((r) => r.items, (e) => { cats = null; throw e; });
  return cats;
}
export const catName = (list, code) => {
  const c = (list || []).find((x) => x.code === code);
  return c ? pick(c.name, c.name_en) : code;
};

// A select of the categories grouped by field (optgroups).
export function CategorySelect({ id, name = 'category', label, hint, value, onInput, list, any, required, error }) {
  const groups = [];
  for (const c of list) {
    const g = pick(c.group, c.group_en) || '';
    let e = groups.find((x) => x.g === g);
    if (!e) groups.push((e = { g, items: [] }));
    e.items.push(c);
  }
  const hintId = hint ? `${id}-hint` : null;
  const errId = error ? `${id}-error` : null;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}{required && <span class="req" aria-hidden="true"> *</span>}</label>
      {hint && <p class="hint" id={hintId}>{hint}</p>}
      {error && <p class="field-error" id={errId}>{error}</p>}
      <select id={id} name={name} value={value} required={required} aria-invalid={error ? 'true' : undefined}
        aria-describedby={[hintId, errId].filter(Boolean).join(' ') || undefined}
        onChange={(e) => onInput(e.currentTarget.value)}>
        <option value="">{any || t('fb.new.categoryPick')}</option>
        {groups.map((g) => (
          <optgroup key={g.g} label={g.g}>
            {g.items.map((c) => <option key={c.code} value={c.code}>{pick(c.name, c.name_en)}</option>)}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

export function FbStatus({ r }) {
  const cls = r.late && r.open ? 'badge badge-late' : r.open ? 'badge badge-open' : r.status === 'rejected' || r.status === 'merged' ? 'badge badge-muted' : 'badge badge-done';
  return <span class={cls}>{statusName(r)}{r.late && r.open ? ` · ${t('fb.late')}` : ''}</span>;
}

// A Leaflet map living in a div for as long as the component: setup(map) once,
// update(map) whenever deps change.
function useMap(label, setup, update, deps, opts) {
  const el = useRef(null);
  const map = useRef(null);
  useEffect(() => {
    const m = makeMap(el.current, label, opts);
    map.current = m;
    addBoundaries(m);
    if (setup) setup(m);
    return () => { m.remove(); map.current = null; };
  }, []);
  useEffect(() => { if (map.current && update) return update(map.current); return undefined; }, deps);
  return { el, map };
}

const popupHtml = (r) => {
  const a = document.createElement('div');
  const p = document.createElement('p');
  const link = document.createElement('a');
  link.href = `#/phan-anh/${r.code}`;
  link.textContent = r.title;
  p.appendChild(link);
  const s = document.createElement('p');
  s.className = 'hint';
  s.textContent = `${statusName(r)} · ${r.code}`;
  a.append(p, s);
  return a;
};

// ---- the public map and list ---------------------------------------------------

const PERIODS = { '7': 7, '30': 30, '90': 90, '365': 365 };
function fromOf(period) {
  const d = PERIODS[period];
  if (!d) return undefined;
  return new Date(Date.now() + 7 * 3600e3 - d * 86400e3).toISOString().slice(0, 10);
}
const STATUS_Q = { open: 'open', answered: 'answered,closed' };

function ReportList({ items, list }) {
  if (!items.length) return <p>{t('fb.list.none')}</p>;
  return (
    <ul class="fb-list">
      {items.map((r) => (
        <li key={r.code} class={r.open ? 'fb-item fb-item-open' : 'fb-item fb-item-answered'}>
          <p class="fb-item-title"><Link to={`/phan-anh/${r.code}`}>{r.title}</Link></p>
          <p class="fb-item-meta"><FbStatus r={r} /> <span>{catName(list, r.category)}</span></p>
          <p class="hint">
            <span class="mono">{r.code}</span> · <time dateTime={r.submitted_at}>{fmtLocal(r.submitted_at)}</time>
            {(r.unit_name || r.address) && <> · {r.address || r.unit_name}</>}
          </p>
        </li>
      ))}
    </ul>
  );
}

function ReportsMap({ items }) {
  const layer = useRef(null);
  const fit = (m) => {
    const pts = items.filter((r) => r.lat != null).map((r) => [r.lat, r.lon]);
    if (pts.length) m.fitBounds(L.latLngBounds(pts).pad(0.2), { maxZoom: 15 });
    else m.fitBounds(PROVINCE_BOUNDS);
  };
  const { el, map } = useMap(t('fb.map.label'), null, (m) => {
    if (layer.current) m.removeLayer(layer.current);
    layer.current = clusterLayer(items, popupHtml).addTo(m);
    fit(m);
    return undefined;
  }, [items]);
  // a map drawn while hidden (the list shown on a phone) has no size: measure and fit again
  useEffect(() => {
    const f = () => { if (map.current) { map.current.invalidateSize(); fit(map.current); } };
    window.addEventListener('tinhso:mapshown', f);
    return () => window.removeEventListener('tinhso:mapshown', f);
  }, []);
  return (
    <div class="fb-map-wrap">
      <div ref={el} class="fb-map" />
      <p class="fb-legend" aria-hidden="true">
        <span class="fb-key fb-key-open" /> {t('fb.status.open')} <span class="fb-key fb-key-answered" /> {t('fb.status.answered')}
      </p>
    </div>
  );
}

export function FeedbackMapPage({ query }) {
  const { me } = useSession();
  const f = useForm({ category: query.category || '', status: query.status || 'open', period: query.period || '' });
  const [view, setView] = useState('list');
  const params = { category: query.category, status: STATUS_Q[query.status ?? 'open'], from: fromOf(query.period), limit: 1000 };
  const { data, error, loading, reload } = useLoad(async () => {
    const [list, page] = await Promise.all([loadCategories(), get('/api/v1/public/feedback' + qs(params), fresh)]);
    return { list, page };
  }, [query.category, query.status, query.period]);
  const onSubmit = (e) => {
    e.preventDefault();
    const v = f.values;
    navigate('/phan-anh', { category: v.category || undefined, status: v.status, period: v.period || undefined });
  };
  const show = (v) => {
    setView(v);
    if (v === 'map') setTimeout(() => window.dispatchEvent(new Event('tinhso:mapshown')), 0);
  };
  return (
    <Page title={t('fb.title')} wide>
      <p class="lead measure">{t('fb.lead')}</p>
      <p class="actions">
        <Link to="/phan-anh/moi" class="btn btn-primary">{t('fb.new.link')}</Link>
        {me && <Link to="/phan-anh/cua-toi" class="btn">{t('fb.mine.title')}</Link>}
        {isStaff(me) && <Link to="/phan-anh/xu-ly" class="btn">{t('fb.inbox.title')}</Link>}
      </p>
      {data && (
        <form class="form filters filters-row" onSubmit={onSubmit} aria-label={t('fb.filter')}>
          <CategorySelect id="f-category" label={t('fb.category')} value={f.values.category} onInput={f.set('category')} list={data.list} any={t('fb.anyCategory')} />
          <Field name="status" as="select" label={t('fb.status')} value={f.values.status} onInput={f.set('status')}
            options={[{ value: 'open', label: t('fb.status.open') }, { value: 'answered', label: t('fb.status.answered') }, { value: 'all', label: t('fb.status.all') }]} />
          <Field name="period" as="select" label={t('fb.period')} value={f.values.period} onInput={f.set('period')}
            options={[{ value: '', label: t('fb.period.all') }, ...Object.keys(PERIODS).map((k) => ({ value: k, label: t('fb.period.days', { n: k }) }))]} />
          <button class="btn" type="submit">{t('fb.filter.go')}</button>
        </form>
      )}
      {loading && !data ? <Loading /> : error ? <LoadError error={error} retry={reload} /> : (
        <>
          <p role="status">{t('fb.list.count', { n: data.page.total })}</p>
          <div class="fb-switch" role="group" aria-label={t('fb.view')}>
            <button type="button" class="btn btn-small" aria-pressed={view === 'list' ? 'true' : 'false'} onClick={() => show('list')}>{t('fb.view.list')}</button>
            <button type="button" class="btn btn-small" aria-pressed={view === 'map' ? 'true' : 'false'} onClick={() => show('map')}>{t('fb.view.map')}</button>
          </div>
          <div class={`fb-split fb-show-${view}`}>
            <section class="fb-split-list" aria-label={t('fb.view.list')}>
              <ReportList items={data.page.items} list={data.list} />
            </section>
            <section class="fb-split-map" aria-label={t('fb.view.map')}>
              <ReportsMap items={data.page.items} />
            </section>
          </div>
        </>
      )}
    </Page>
  );
}

// ---- one report ---------------------------------------------------------------------

function PlaceMap({ r }) {
  const { el } = useMap(t('fb.page.mapLabel', { place: r.address || r.unit_name || '' }), (m) => {
    m.setView([r.lat, r.lon], 16);
    pointMarker([r.lat, r.lon], t('fb.page.point')).addTo(m);
  }, null, [], { scrollWheelZoom: false });
  return <div ref={el} class="fb-map fb-map-small" />;
}

const EVENT_KEYS = ['submit', 'accept', 'reject', 'route', 'assign', 'start', 'answer', 'rate', 'reopen', 'merge', 'merged_in', 'moderate', 'follow', 'escalate', 'autoclose', 'photo'];
const eventName = (e) => (EVENT_KEYS.includes(e.action) ? t('fb.ev.' + e.action) : cap(pick(e.to_name, e.to_name_en)) || e.action);

function Timeline({ r, staff }) {
  return (
    <ol class="timeline">
      {r.events.map((e, i) => (
        <li key={i}>
          <p><strong>{eventName(e)}</strong>{e.to && e.from !== e.to && <> — {cap(pick(e.to_name, e.to_name_en))}</>}
            {staff && e.public === false && <span class="badge badge-muted">{t('fb.ev.internal')}</span>}</p>
          <p class="hint">
            <time dateTime={e.at}>{fmtAt(e.at)}</time>
            {e.agency_name && <> · {e.agency_name}</>}
            {staff && e.actor_name && <> · {e.actor_name}</>}
          </p>
          {e.note && e.action !== 'answer' && <p class="fb-note">{e.note}</p>}
        </li>
      ))}
    </ol>
  );
}

function Photos({ r }) {
  const ready = (r.photos || []).filter((p) => p.thumb_url);
  if (!ready.length) return null;
  return (
    <section aria-labelledby="ph-h">
      <h2 id="ph-h">{t('fb.page.photos')}</h2>
      <ul class="fb-photos">
        {ready.map((p) => (
          <li key={p.n}><a href={p.url} target="_blank" rel="noopener">
            <img src={p.thumb_url} alt={t('fb.page.photoN', { n: p.n, title: r.title })} loading="lazy" />
          </a></li>
        ))}
      </ul>
    </section>
  );
}

function FollowButton({ r, onChange }) {
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  if (!me) return <p><Link to="/login" query={{ next: `/phan-anh/${r.code}` }}>{t('fb.follow.signIn')}</Link></p>;
  const toggle = async () => {
    setBusy(true); setErr(null);
    try {
      const path = `/api/v1/feedback/${encodeURIComponent(r.code)}/follow`;
      const v = r.following ? await del(path) : await put(path);
      onChange(v);
    } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  return (
    <div class="fb-follow">
      <button type="button" class={r.following ? 'btn' : 'btn btn-primary'} aria-pressed={r.following ? 'true' : 'false'} disabled={busy} onClick={toggle}>
        {r.following ? t('fb.follow.off') : t('fb.follow.on')}</button>
      <p class="hint" role="status">{r.following ? t('fb.follow.youFollow', { n: r.followers }) : t('fb.follow.count', { n: r.followers })}</p>
      <Problem error={err} />
    </div>
  );
}

// The reporter's actions: rate the answer (1–5, fixed or not), or reopen with a reason.
function ReporterActions({ r, onDone }) {
  const f = useForm({ rating: '', fixed: '', note: '', reason: '' });
  const [which, setWhich] = useState(null);
  const can = (a) => r.actions.includes(a);
  if (!can('rate') && !can('reopen')) return null;
  const act = (body) => (e) => {
    e.preventDefault();
    f.submit(async (v) => onDone(await post(`/api/v1/feedback/${encodeURIComponent(r.code)}/actions`, { ...body(v), rev: r.rev })),
      (v) => (which === 'rate' && !v.rating ? { rating: t('fb.rate.pick') } : which === 'reopen' && !v.reason.trim() ? { reason: t('form.required') } : {}));
  };
  return (
    <section class="card" aria-labelledby="you-h">
      <h2 id="you-h">{t('fb.you.title')}</h2>
      <p class="actions">
        {can('rate') && <button type="button" class="btn btn-primary" aria-expanded={which === 'rate' ? 'true' : 'false'} onClick={() => setWhich('rate')}>{t('fb.act.rate')}</button>}
        {can('reopen') && <button type="button" class="btn" aria-expanded={which === 'reopen' ? 'true' : 'false'} onClick={() => setWhich('reopen')}>{t('fb.act.reopen')}</button>}
      </p>
      <Problem error={f.problem} fields={['rating', 'fixed', 'note', 'reason']} />
      {which === 'rate' && (
        <form class="form" onSubmit={act((v) => ({ action: 'rate', rating: Number(v.rating), fixed: v.fixed === '' ? undefined : v.fixed === 'yes', note: v.note.trim() || undefined }))} noValidate>
          <fieldset class={f.errors.rating ? 'field field-invalid' : 'field'} aria-describedby={f.errors.rating ? 'rating-err' : undefined}>
            <legend>{t('fb.rate.legend')}<span class="req" aria-hidden="true"> *</span></legend>
            {f.errors.rating && <p class="field-error" id="rating-err">{f.errors.rating}</p>}
            <div class="fb-stars">
              {[1, 2, 3, 4, 5].map((n) => (
                <label key={n} class="check"><input type="radio" name="rating" value={n} checked={f.values.rating === String(n)}
                  onChange={() => f.set('rating')(String(n))} /> {t('fb.rate.' + n)}</label>
              ))}
            </div>
          </fieldset>
          <fieldset class="field">
            <legend>{t('fb.rate.fixed')}</legend>
            {['yes', 'no'].map((k) => (
              <label key={k} class="check"><input type="radio" name="fixed" value={k} checked={f.values.fixed === k} onChange={() => f.set('fixed')(k)} /> {t('fb.rate.fixed.' + k)}</label>
            ))}
          </fieldset>
          <Field name="note" as="textarea" label={t('fb.rate.note')} value={f.values.note} onInput={f.set('note')} maxLength={2000} />
          <div><button class="btn btn-primary" type="submit" disabled={f.busy}>{t('fb.rate.send')}</button></div>
        </form>
      )}
      {which === 'reopen' && (
        <form class="form" onSubmit={act((v) => ({ action: 'reopen', reason: v.reason.trim() }))} noValidate>
          <Field name="reason" as="textarea" label={t('fb.reopen.reason')} hint={t('fb.reopen.hint')} required value={f.values.reason}
            onInput={f.set('reason')} error={f.errors.reason} maxLength={2000} />
          <div><button class="btn btn-primary" type="submit" disabled={f.busy}>{t('fb.act.reopen')}</button></div>
        </form>
      )}
    </section>
  );
}

// The full view (reporter or staff) when the session may see it, else the public one.
async function loadReport(code, me) {
  const c = encodeURIComponent(code);
  if (me) {
    try {
      return await get(`/api/v1/feedback/${c}`);
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) throw e;
    }
  }
  const v = await get(`/api/v1/public/feedback/${c}`, fresh);
  // the public door reads no session: whether one follows it is in one's own list
  if (me && !v.following) {
    const mine = await get('/api/v1/me/feedback?limit=200').catch(() => null);
    if (mine && mine.items.some((x) => x.code === v.code)) v.following = true;
  }
  return v;
}

export function FeedbackPage({ code }) {
  const { me } = useSession();
  const [r, setR] = useState(null);
  const [done, setDone] = useState(null);
  const { data, error, loading, reload } = useLoad(async () => {
    const [list, v] = await Promise.all([loadCategories(), loadReport(code, me)]);
    setR(v);
    return list;
  }, [code, me && me.account && me.account.id]);
  if (loading && !r) return <Page title={code}><Loading /></Page>;
  if (error) return <Page title={code}><LoadError error={error} retry={reload} /></Page>;
  const staff = !!(r.token && r.events.length && 'public' in r.events[0]);
  const reporter = !!r.token && !staff;
  const acted = (v, what) => { setR(v); setDone(what || 'saved'); };
  const category = (data || []).find((c) => c.code === r.category);
  return (
    <Page title={r.title} wide>
      <p class="fb-head"><FbStatus r={r} /> <span class="mono">{r.code}</span></p>
      {done && <Alert kind="success" focusOn={r.rev}>{t('fb.page.saved', { status: statusName(r) })}</Alert>}
      {r.status === 'merged' && r.merged_into && <Alert kind="info">{t('fb.page.merged')} <Link to={`/phan-anh/${r.merged_into}`} class="mono">{r.merged_into}</Link></Alert>}
      {r.status === 'rejected' && r.reason && <Alert kind="info">{t('fb.page.rejected', { reason: r.reason })}</Alert>}
      <div class="fb-page">
        <div class="fb-page-main">
          <dl class="facts">
            <div><dt>{t('fb.category')}</dt><dd>{category ? pick(category.name, category.name_en) : r.category}</dd></div>
            <div><dt>{t('fb.page.agency')}</dt><dd>{r.agency_name || '—'}</dd></div>
            <div><dt>{t('fb.page.place')}</dt><dd>{r.address || r.unit_name || (r.lat != null ? `${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}` : '—')}
              {r.address && r.unit_name && <> ({r.unit_name})</>}</dd></div>
            <div><dt>{t('fb.page.sent')}</dt><dd>{fmtLocal(r.submitted_at)}</dd></div>
            {r.open && r.due_at && <div><dt>{t('fb.page.due')}</dt><dd>{fmtLocal(r.due_at)}</dd></div>}
            {r.reporter_name && <div><dt>{t('fb.page.reporter')}</dt><dd>{r.reporter_name}</dd></div>}
            {staff && r.reporter_phone && <div><dt>{t('fb.page.phone')}</dt><dd>{r.reporter_phone}</dd></div>}
            {staff && r.reporter_email && <div><dt>{t('fb.page.email')}</dt><dd>{r.reporter_email}</dd></div>}
            {staff && r.assignee_name && <div><dt>{t('fb.page.assignee')}</dt><dd>{r.assignee_name}</dd></div>}
            {r.rating != null && <div><dt>{t('fb.page.rating')}</dt><dd>{t('fb.page.ratingOf', { n: r.rating })}{r.fixed != null && ` · ${t(r.fixed ? 'fb.page.fixed' : 'fb.page.notFixed')}`}</dd></div>}
          </dl>
          {staff && (r.private || r.public_title || r.public_description) && (
            <Alert kind="info">{r.private ? t('fb.page.isPrivate') : t('fb.page.isModerated')}</Alert>
          )}
          <h2>{t('fb.page.description')}</h2>
          <p class="fb-text">{r.description}</p>
          {r.answer && (
            <section class="card fb-answer" aria-labelledby="ans-h">
              <h2 id="ans-h">{t('fb.page.answer')}</h2>
              <p class="hint">{r.agency_name}{r.answered_at && <> · {fmtLocal(r.answered_at)}</>}</p>
              <p class="fb-text">{r.answer}</p>
            </section>
          )}
          <Photos r={r} />
          {reporter && <ReporterActions r={r} onDone={(v) => acted(v)} />}
          {staff && <StaffPanel r={r} onDone={(v) => acted(v)} />}
          {!reporter && !staff && <FollowButton r={r} onChange={(v) => setR(v)} />}
          <h2>{t('fb.page.timeline')}</h2>
          <Timeline r={r} staff={staff} />
        </div>
        {r.lat != null && (
          <aside class="fb-page-map" aria-label={t('fb.page.place')}>
            <PlaceMap r={r} />
          </aside>
        )}
      </div>
      <p><Link to="/phan-anh">{t('fb.back')}</Link></p>
    </Page>
  );
}

// ---- reporting a problem ------------------------------------------------------------

function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

const DESC_MAX = 4000;
const PHOTOS_MAX = 5;

// The map to pick the point on: a click (or tap) puts the pin there; keyboard
// users pan with the arrow keys and take the map's centre.
function PickMap({ point, onPick }) {
  const marker = useRef(null);
  const { el, map } = useMap(t('fb.new.mapLabel'), (m) => {
    m.fitBounds(PROVINCE_BOUNDS);
    m.on('click', (e) => onPick({ lat: e.latlng.lat, lon: e.latlng.lng, how: 'map' }));
  }, (m) => {
    if (marker.current) { m.removeLayer(marker.current); marker.current = null; }
    if (point) {
      marker.current = pointMarker([point.lat, point.lon], t('fb.new.pin')).addTo(m);
      if (point.how !== 'map') m.setView([point.lat, point.lon], Math.max(m.getZoom(), 16));
    }
    return undefined;
  }, [point && point.lat, point && point.lon]);
  const centre = () => {
    const c = map.current.getCenter();
    onPick({ lat: c.lat, lon: c.lng, how: 'centre' });
  };
  return (
    <div class="fb-pick">
      <div ref={el} class="fb-map fb-map-pick" />
      <p><button type="button" class="btn btn-small" onClick={centre}>{t('fb.new.centre')}</button></p>
    </div>
  );
}

// Nearby open reports of the category: follow one instead of filing again.
function Nearby({ category, point }) {
  const { data } = useLoad(async () => {
    if (!category || !point) return null;
    return get('/api/v1/public/feedback-nearby' + qs({ category, lat: point.lat.toFixed(6), lon: point.lon.toFixed(6), radius: 200 }), fresh);
  }, [category, point && point.lat, point && point.lon]);
  const [followed, setFollowed] = useState({});
  const [err, setErr] = useState(null);
  if (!data || !data.items.length) return null;
  const follow = async (code) => {
    setErr(null);
    try {
      await put(`/api/v1/feedback/${encodeURIComponent(code)}/follow`);
      setFollowed((s) => ({ ...s, [code]: true }));
    } catch (e) { setErr(e); }
  };
  return (
    <section class="card fb-nearby" aria-labelledby="near-h">
      <h3 id="near-h">{t('fb.near.title', { n: data.items.length })}</h3>
      <p class="hint">{t('fb.near.lead')}</p>
      <Problem error={err} />
      <ul class="fb-list">
        {data.items.map((r) => (
          <li key={r.code} class="fb-item">
            <p class="fb-item-title"><Link to={`/phan-anh/${r.code}`}>{r.title}</Link></p>
            <p class="hint"><FbStatus r={r} /> <span class="mono">{r.code}</span> · {fmtLocal(r.submitted_at)}</p>
            {followed[r.code]
              ? <p role="status" class="fb-ok">{t('fb.near.following')}</p>
              : <button type="button" class="btn btn-small" onClick={() => follow(r.code)}>{t('fb.near.follow')}<span class="visually-hidden">: {r.title}</span></button>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Attributes({ cat, values, onInput, errors }) {
  const attrs = (cat.attributes || []).filter((a) => a.variable !== false).sort((a, b) => (a.order || 0) - (b.order || 0));
  if (!attrs.length) return null;
  return attrs.map((a) => {
    const name = `attr-${a.code}`;
    const v = values[a.code] ?? '';
    const set = (x) => onInput({ ...values, [a.code]: x });
    if (a.datatype === 'singlevaluelist') {
      return <Field key={a.code} name={name} as="select" label={a.description} hint={a.datatype_description} required={a.required} value={v} onInput={set}
        error={errors[a.code]} options={[{ value: '', label: t('fb.new.choose') }, ...(a.values || []).map((o) => ({ value: o.key, label: o.name }))]} />;
    }
    if (a.datatype === 'multivaluelist') {
      const cur = Array.isArray(v) ? v : [];
      return (
        <fieldset key={a.code} class="field">
          <legend>{a.description}{a.required && <span class="req" aria-hidden="true"> *</span>}</legend>
          {(a.values || []).map((o) => (
            <label key={o.key} class="check"><input type="checkbox" checked={cur.includes(o.key)}
              onChange={(e) => set(e.currentTarget.checked ? [...cur, o.key] : cur.filter((k) => k !== o.key))} /> {o.name}</label>
          ))}
        </fieldset>
      );
    }
    return <Field key={a.code} name={name} as={a.datatype === 'text' ? 'textarea' : undefined} type={a.datatype === 'number' ? 'number' : a.datatype === 'datetime' ? 'datetime-local' : 'text'}
      label={a.description} hint={a.datatype_description} required={a.required} value={v} onInput={set} error={errors[a.code]} />;
  });
}

// Photos, when the photo API answers: POSTed one by one after the report is filed.
async function sendPhotos(code, files) {
  const out = { sent: 0, failed: 0, absent: false };
  for (const file of files) {
    try {
      await upload(`/api/v1/feedback/${encodeURIComponent(code)}/photos`, file);
      out.sent++;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) { out.absent = true; break; }
      out.failed++;
    }
  }
  return out;
}

function Done({ r, cat, photos }) {
  return (
    <Page title={t('fb.done.title')}>
      <Alert kind="success" focusOn={r.code}>{t('fb.done.sent')}</Alert>
      <p>{t('fb.done.code')}</p>
      <p class="big-code mono">{r.code}</p>
      {photos && photos.sent > 0 && <p>{t('fb.done.photos', { n: photos.sent })}</p>}
      {photos && (photos.failed > 0 || photos.absent) && <Alert kind="info">{t('fb.done.photosFailed')}</Alert>}
      <h2>{t('fb.done.next')}</h2>
      <ol class="steps">
        <li>{t('fb.done.step1', { due: fmtLocal(r.intake_due) })}</li>
        <li>{t('fb.done.step2', { agency: r.agency_name || t('fb.done.theAgency'), days: cat ? cat.deadline_days : '—' })}</li>
        <li>{t('fb.done.step3')}</li>
      </ol>
      <p class="actions">
        <Link to={`/phan-anh/${r.code}`} class="btn btn-primary">{t('fb.done.open')}</Link>
        <Link to="/phan-anh/cua-toi" class="btn">{t('fb.mine.title')}</Link>
      </p>
    </Page>
  );
}

export function FeedbackNewPage() {
  const { data: list, error, loading, reload } = useLoad(loadCategories, []);
  const f = useForm({ category: '', title: '', description: '', address: '', show_name: false, phone: '' });
  const [point, setPoint] = useState(null);
  const [place, setPlace] = useState(null); // the commune of the point (GET /api/v1/geo/locate), when it answers
  const [attrs, setAttrs] = useState({});
  const [attrErr, setAttrErr] = useState({});
  const [files, setFiles] = useState([]);
  const [geoMsg, setGeoMsg] = useState(null);
  const [review, setReview] = useState(false);
  const [made, setMade] = useState(null);
  const [key] = useState(newKey);
  useEffect(() => {
    setPlace(null);
    if (!point) return undefined;
    let live = true;
    get('/api/v1/geo/locate' + qs({ lat: point.lat.toFixed(6), lon: point.lon.toFixed(6) }), { quiet401: true })
      .then((p) => live && setPlace(p && p.name ? p : null), () => {});
    return () => { live = false; };
  }, [point && point.lat, point && point.lon]);
  if (made) return <Done {...made} />;
  if (loading && !list) return <Page title={t('fb.new.title')}><Loading /></Page>;
  if (error) return <Page title={t('fb.new.title')}><LoadError error={error} retry={reload} /></Page>;
  const cat = list.find((c) => c.code === f.values.category);
  const v = f.values;
  const locate = () => {
    if (!navigator.geolocation) { setGeoMsg(t('fb.new.geoNone')); return; }
    setGeoMsg(t('fb.new.geoAsking'));
    navigator.geolocation.getCurrentPosition(
      (p) => { setPoint({ lat: p.coords.latitude, lon: p.coords.longitude, how: 'gps' }); setGeoMsg(t('fb.new.geoDone', { m: Math.round(p.coords.accuracy) })); },
      () => setGeoMsg(t('fb.new.geoDenied')),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };
  const check = () => {
    const e = {};
    if (!v.category) e.category = t('form.required');
    if (!v.title.trim()) e.title = t('form.required');
    if (!v.description.trim()) e.description = t('form.required');
    if (cat && cat.location === 'required' && !point && !v.address.trim()) e.place = t('fb.new.placeNeeded');
    const ae = {};
    for (const a of (cat?.attributes || [])) {
      const x = attrs[a.code];
      if (a.required && (x === undefined || x === '' || (Array.isArray(x) && !x.length))) ae[a.code] = t('form.required');
    }
    setAttrErr(ae);
    if (Object.keys(ae).length) e.attributes = t('fb.new.attrsNeeded');
    return e;
  };
  const onReview = (e) => {
    e.preventDefault();
    f.submit(async () => setReview(true), check);
  };
  const onSend = () => f.submit(async () => {
    const a = {};
    for (const [k, x] of Object.entries(attrs)) if (x !== '' && !(Array.isArray(x) && !x.length)) a[k] = x;
    const body = {
      category: v.category, title: v.title.trim(), description: v.description.trim(), show_name: v.show_name,
      idempotency_key: key,
    };
    if (point) { body.lat = Number(point.lat.toFixed(6)); body.lon = Number(point.lon.toFixed(6)); }
    if (v.address.trim()) body.address = v.address.trim();
    if (v.phone.trim()) body.phone = v.phone.trim();
    if (Object.keys(a).length) body.attributes = a;
    let r;
    try {
      r = await post('/api/v1/feedback', body);
    } catch (err) {
      setReview(false);
      throw err;
    }
    const photos = files.length ? await sendPhotos(r.code, files) : null;
    setMade({ r, cat, photos });
  });
  const onFiles = (e) => {
    const picked = [...e.currentTarget.files].filter((x) => /^image\//.test(x.type));
    setFiles([...files, ...picked].slice(0, PHOTOS_MAX));
    e.currentTarget.value = '';
  };
  const fields = ['category', 'title', 'description', 'address', 'lat', 'lon', 'phone', 'show_name', 'attributes', 'place'];
  if (review) {
    return (
      <Page title={t('fb.new.review')}>
        <p class="lead measure">{t('fb.new.reviewLead')}</p>
        <Problem error={f.problem} fields={[]} />
        <dl class="facts">
          <div><dt>{t('fb.category')}</dt><dd>{pick(cat.name, cat.name_en)}</dd></div>
          <div><dt>{t('fb.page.place')}</dt><dd>{[v.address.trim(), place && place.name, point && `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}`].filter(Boolean).join(' · ') || '—'}</dd></div>
          <div><dt>{t('fb.new.titleLabel')}</dt><dd>{v.title}</dd></div>
          <div><dt>{t('fb.page.description')}</dt><dd class="fb-text">{v.description}</dd></div>
          {files.length > 0 && <div><dt>{t('fb.page.photos')}</dt><dd>{files.map((x) => x.name).join(', ')}</dd></div>}
          <div><dt>{t('fb.new.showName')}</dt><dd>{v.show_name ? t('fb.yes') : t('fb.no')}</dd></div>
        </dl>
        <p class="actions">
          <button type="button" class="btn btn-primary" disabled={f.busy} onClick={onSend}>{t('fb.new.send')}</button>
          <button type="button" class="btn" disabled={f.busy} onClick={() => setReview(false)}>{t('fb.new.edit')}</button>
        </p>
      </Page>
    );
  }
  return (
    <Page title={t('fb.new.title')} wide>
      <p class="lead measure">{t('fb.new.lead')}</p>
      <form class="form fb-new" onSubmit={onReview} noValidate>
        <Problem error={f.problem} fields={fields} />
        <fieldset>
          <legend>{t('fb.new.step1')}</legend>
          <CategorySelect id="f-category" label={t('fb.category')} required value={v.category} onInput={(x) => { f.set('category')(x); setAttrs({}); }}
            list={list} error={f.errors.category} hint={cat ? `${cat.description || ''} ${t('fb.new.deadline', { n: cat.deadline_days })}` : undefined} />
          {cat && <Attributes cat={cat} values={attrs} onInput={setAttrs} errors={attrErr} />}
        </fieldset>
        <fieldset>
          <legend>{t('fb.new.step2')}</legend>
          <p class="hint" id="place-hint">{t('fb.new.placeHint')}</p>
          {f.errors.place && <p class="field-error">{f.errors.place}</p>}
          <p><button type="button" class="btn" onClick={locate}>{t('fb.new.useLocation')}</button></p>
          {geoMsg && <p role="status" class="hint">{geoMsg}</p>}
          <PickMap point={point} onPick={setPoint} />
          <p role="status" class="fb-picked">{point ? t('fb.new.picked', { lat: point.lat.toFixed(5), lon: point.lon.toFixed(5) }) + (place ? ` — ${place.name}` : '') : t('fb.new.notPicked')}</p>
          {point && <p><button type="button" class="btn btn-small" onClick={() => setPoint(null)}>{t('fb.new.unpick')}</button></p>}
          <Field name="address" label={t('fb.new.address')} hint={t('fb.new.addressHint')} value={v.address} onInput={f.set('address')} error={f.errors.address} maxLength={300} autocomplete="street-address" />
          <Nearby category={v.category} point={point} />
        </fieldset>
        <fieldset>
          <legend>{t('fb.new.step3')}</legend>
          <Field name="title" label={t('fb.new.titleLabel')} hint={t('fb.new.titleHint')} required value={v.title} onInput={f.set('title')} error={f.errors.title} maxLength={200} />
          <Field name="description" as="textarea" label={t('fb.page.description')} hint={t('fb.new.descHint')} required value={v.description}
            onInput={f.set('description')} error={f.errors.description} maxLength={DESC_MAX} rows={6} />
          <p class="hint fb-counter" aria-live="polite">{t('fb.new.counter', { n: v.description.length, max: DESC_MAX })}</p>
        </fieldset>
        <fieldset>
          <legend>{t('fb.new.step4')}</legend>
          <div class="field">
            <label for="f-photos">{t('fb.new.photos')}</label>
            <p class="hint" id="f-photos-hint">{t('fb.new.photosHint', { n: PHOTOS_MAX })}</p>
            <input id="f-photos" type="file" accept="image/jpeg,image/png,image/webp,image/heic" multiple aria-describedby="f-photos-hint"
              disabled={files.length >= PHOTOS_MAX} onChange={onFiles} />
          </div>
          {files.length > 0 && (
            <ul class="fb-files">
              {files.map((x, i) => (
                <li key={i}>{x.name} <button type="button" class="btn btn-small" onClick={() => setFiles(files.filter((_, j) => j !== i))}>{t('fb.new.remove')}<span class="visually-hidden"> {x.name}</span></button></li>
              ))}
            </ul>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('fb.new.step5')}</legend>
          <div class="field"><label class="check"><input type="checkbox" checked={v.show_name} onChange={(e) => f.set('show_name')(e.currentTarget.checked)} /> {t('fb.new.showName')}</label>
            <p class="hint">{t('fb.new.showNameHint')}</p></div>
          <Field name="phone" type="tel" label={t('fb.new.phone')} hint={t('fb.new.phoneHint')} value={v.phone} onInput={f.set('phone')} error={f.errors.phone} autocomplete="tel" />
        </fieldset>
        <div><button class="btn btn-primary" type="submit">{t('fb.new.toReview')}</button></div>
      </form>
    </Page>
  );
}

// ---- my reports -----------------------------------------------------------------------

export function FeedbackMinePage() {
  const { data, error, loading, reload } = useLoad(async () => {
    const [list, page] = await Promise.all([loadCategories(), get('/api/v1/me/feedback?limit=200')]);
    return { list, page };
  }, []);
  return (
    <Page title={t('fb.mine.title')} wide>
      <p class="lead measure">{t('fb.mine.lead')}</p>
      <p class="actions"><Link to="/phan-anh/moi" class="btn btn-primary">{t('fb.new.link')}</Link> <Link to="/phan-anh" class="btn">{t('fb.title')}</Link></p>
      {loading && !data ? <Loading /> : error ? <LoadError error={error} retry={reload} /> : (
        <>
          <p role="status">{t('fb.list.count', { n: data.page.total })}</p>
          <ReportList items={data.page.items} list={data.list} />
        </>
      )}
    </Page>
  );
}
