// The staff's side of feedback (issue 11): the actions the API lists for a
// report, each with its form (accept with the routed agency, reject with a
// reason, route, assign, start, answer with a response template, merge,
// moderate); the officers' inbox (intake, my agency, mine — sorted by the time
// left, overdue and due-soon flagged); the leaders' statistics by agency,
// category and commune (a choropleth of the communes when the boundaries
// answer), with CSV and Excel downloads.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { get, post, qs } from '../api.js';
import { navigate } from '../router.js';
import { useSession, grants, isAgencyAdmin } from '../store.js';
import { Page, Link, Field, Alert, Problem, Loading, LoadError, Forbidden, useForm, useLoad } from '../ui.jsx';
import { loadCategories, catName, CategorySelect, FbStatus, fmtLocal, isStaff, pick } from './feedback.jsx';
import { makeMap, loadCommunes, choropleth, SCALE, PROVINCE_BOUNDS, L } from '../map/map.js';

// ---- the actions on one report --------------------------------------------------------

const STAFF_ACTIONS = ['accept', 'reject', 'route', 'assign', 'start', 'answer', 'merge', 'moderate'];

let agencies;
function loadAgencies() {
  if (!agencies) agencies = get('/api/v1/agencies?limit=1000').then((r) => r.items, (e) => { agencies = null; throw e; });
  return agencies;
}

function AgencySelect({ value, onInput, error, label, required }) {
  const { data, error: err } = useLoad(loadAgencies, []);
  if (err) return <Problem error={err} />;
  if (!data) return <Loading />;
  return <Field name="agency" as="select" label={label} required={required} value={value} onInput={onInput} error={error}
    options={[{ value: '', label: t('fb.act.agencyPick') }, ...data.map((a) => ({ value: a.code, label: a.name }))]} />;
}

// Officers of the agency to give the report to: the list is there for those who
// may read the accounts (agency admins); others take the report themselves.
function AssigneeSelect({ r, value, onInput }) {
  const { me } = useSession();
  const { data } = useLoad(async () => {
    if (!isAgencyAdmin(me) || !r.agency) return null;
    try {
      return (await get('/api/v1/accounts' + qs({ kind: 'officer', agency: r.agency, limit: 200 }))).items;
    } catch { return null; }
  }, [r.agency]);
  if (!data || !data.length) return <p class="hint">{t('fb.act.assignSelf')}</p>;
  return <Field name="assignee" as="select" label={t('fb.act.assignee')} value={value} onInput={onInput}
    options={[{ value: '', label: t('fb.act.assignMe') }, ...data.map((a) => ({ value: String(a.id), label: a.full_name || a.username }))]} />;
}

function TemplatePicker({ r, onPick }) {
  const { data } = useLoad(() => get('/api/v1/feedback-templates').then((x) => x.items, () => []), []);
  const [id, setId] = useState('');
  const usable = (data || []).filter((x) => (!x.agency || x.agency === r.agency) && (!x.category || x.category === r.category));
  if (!usable.length) return null;
  return <Field name="template" as="select" label={t('fb.act.template')} hint={t('fb.act.templateHint')} value={id}
    onInput={(v) => { setId(v); const x = usable.find((y) => String(y.id) === v); if (x) onPick(x); }}
    options={[{ value: '', label: t('fb.act.templatePick') }, ...usable.map((x) => ({ value: String(x.id), label: x.title }))]} />;
}

function ActionForm({ r, action, onDone, onCancel }) {
  const f = useForm({
    agency: action === 'accept' ? r.agency || '' : '', reason: '', note: '', answer: '', into: '', assignee: '',
    public_title: r.public_title || '', public_description: r.public_description || '', private: !!r.private, show_name: !!r.show_name,
  });
  const v = f.values;
  const need = {
    reject: ['reason'], route: ['agency'], answer: ['answer'], merge: ['into'],
  }[action] || [];
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async () => {
      const body = { action, rev: r.rev };
      if (action === 'accept' && v.agency && v.agency !== r.agency) body.agency = v.agency;
      if (action === 'route') body.agency = v.agency;
      if (action === 'reject') body.reason = v.reason.trim();
      if (action === 'assign' && v.assignee) body.assignee = Number(v.assignee);
      if (action === 'answer') body.answer = v.answer.trim();
      if (action === 'merge') body.into = v.into.trim().toUpperCase();
      if (action === 'moderate') Object.assign(body, { public_title: v.public_title.trim(), public_description: v.public_description.trim(), private: v.private, show_name: v.show_name });
      if (['accept', 'route', 'moderate'].includes(action) && v.note.trim()) body.note = v.note.trim();
      onDone(await post(`/api/v1/feedback/${encodeURIComponent(r.code)}/actions`, body));
    }, (x) => {
      const e = {};
      for (const k of need) if (!String(x[k] ?? '').trim()) e[k] = t('form.required');
      return e;
    });
  };
  return (
    <form class="form card fb-action-form" onSubmit={onSubmit} noValidate aria-labelledby="act-h">
      <h3 id="act-h">{t('fb.act.' + action)}</h3>
      <p class="hint">{t('fb.act.hint.' + action)}</p>
      <Problem error={f.problem} fields={['agency', 'reason', 'note', 'answer', 'into', 'assignee', 'public_title', 'public_description']} />
      {(action === 'accept' || action === 'route') && (
        <AgencySelect label={t(action === 'accept' ? 'fb.act.acceptAgency' : 'fb.act.routeAgency')} required={action === 'route'} value={v.agency} onInput={f.set('agency')} error={f.errors.agency} />
      )}
      {action === 'reject' && <Field name="reason" as="textarea" label={t('fb.act.reason')} required value={v.reason} onInput={f.set('reason')} error={f.errors.reason} maxLength={2000} />}
      {action === 'assign' && <AssigneeSelect r={r} value={v.assignee} onInput={f.set('assignee')} />}
      {action === 'answer' && (
        <>
          <TemplatePicker r={r} onPick={(x) => f.set('answer')(x.body)} />
          <Field name="answer" as="textarea" label={t('fb.act.answerText')} hint={t('fb.act.answerHint')} required value={v.answer} onInput={f.set('answer')} error={f.errors.answer} maxLength={8000} rows={6} />
        </>
      )}
      {action === 'merge' && <Field name="into" label={t('fb.act.into')} hint={t('fb.act.intoHint')} required value={v.into} onInput={f.set('into')} error={f.errors.into} autocomplete="off" spellcheck={false} />}
      {action === 'moderate' && (
        <>
          <Field name="public_title" label={t('fb.act.publicTitle')} hint={t('fb.act.publicHint')} value={v.public_title} onInput={f.set('public_title')} error={f.errors.public_title} maxLength={200} />
          <Field name="public_description" as="textarea" label={t('fb.act.publicDescription')} value={v.public_description} onInput={f.set('public_description')} error={f.errors.public_description} maxLength={4000} />
          <div class="field"><label class="check"><input type="checkbox" checked={v.private} onChange={(e) => f.set('private')(e.currentTarget.checked)} /> {t('fb.act.private')}</label></div>
          <div class="field"><label class="check"><input type="checkbox" checked={v.show_name} onChange={(e) => f.set('show_name')(e.currentTarget.checked)} /> {t('fb.act.showName')}</label></div>
        </>
      )}
      {['accept', 'route', 'moderate'].includes(action) && <Field name="note" label={t('fb.act.note')} value={v.note} onInput={f.set('note')} maxLength={2000} />}
      <p class="actions">
        <button class="btn btn-primary" type="submit" disabled={f.busy}>{t('fb.act.confirm.' + action)}</button>
        <button class="btn" type="button" onClick={onCancel}>{t('fb.act.cancel')}</button>
      </p>
    </form>
  );
}

export function StaffPanel({ r, onDone }) {
  const [which, setWhich] = useState(null);
  useEffect(() => setWhich(null), [r.rev]);
  const acts = STAFF_ACTIONS.filter((a) => r.actions.includes(a));
  return (
    <section class="card fb-staff" aria-labelledby="staff-h">
      <h2 id="staff-h">{t('fb.staff.title')}</h2>
      {acts.length ? (
        <p class="actions">
          {acts.map((a) => (
            <button key={a} type="button" class={which === a ? 'btn btn-primary' : 'btn'} aria-expanded={which === a ? 'true' : 'false'}
              onClick={() => setWhich(which === a ? null : a)}>{t('fb.act.' + a)}</button>
          ))}
        </p>
      ) : <p class="hint">{t('fb.staff.none')}</p>}
      {which && <ActionForm key={which} r={r} action={which} onDone={onDone} onCancel={() => setWhich(null)} />}
    </section>
  );
}

// ---- the inbox -------------------------------------------------------------------------------

const HOUR = 3600e3;
// what the report waits for: the intake's deadline while submitted, else the answer's
const dueOf = (r) => (r.status === 'submitted' ? r.intake_due || r.due_at : r.due_at);
function left(r, now) {
  const d = Date.parse(dueOf(r) || '');
  if (Number.isNaN(d) || !r.open) return null;
  return d - now;
}
function Left({ ms }) {
  if (ms == null) return <>—</>;
  if (ms < 0) {
    const h = Math.ceil(-ms / HOUR);
    return <span class="badge badge-late">{t('fb.inbox.overdue')} · {h >= 48 ? t('fb.inbox.days', { n: Math.floor(h / 24) }) : t('fb.inbox.hours', { n: h })}</span>;
  }
  const h = Math.floor(ms / HOUR);
  const text = h >= 48 ? t('fb.inbox.days', { n: Math.floor(h / 24) }) : t('fb.inbox.hours', { n: h });
  return ms < 24 * HOUR ? <span class="badge">{t('fb.inbox.soon')} · {text}</span> : <>{text}</>;
}

const INBOX_STATUSES = ['submitted', 'accepted', 'assigned', 'in_progress', 'answered', 'closed', 'rejected', 'merged'];

export function FeedbackInboxPage({ query }) {
  const { me } = useSession();
  const mine = new Set(grants(me).map((g) => g.agency_code));
  const st = useLoad(() => (isStaff(me) ? get('/api/v1/feedback-settings').catch(() => ({})) : Promise.resolve({})), []);
  const intake = st.data && st.data.intake_agency && (mine.has(st.data.intake_agency) || grants(me).some((g) => g.role === 'system_admin'));
  const queue = query.queue || (st.data ? (intake ? 'intake' : 'agency') : null);
  const f = useForm({ status: query.status || '', category: query.category || '', overdue: query.overdue === 'true' });
  const { data, error, loading, reload } = useLoad(async () => {
    if (!queue) return null;
    const [list, page] = await Promise.all([loadCategories(), get('/api/v1/feedback' + qs({
      queue, status: query.status || 'open', category: query.category, overdue: query.overdue, order: 'due', limit: 100,
    }))]);
    return { list, page };
  }, [queue, query.status, query.category, query.overdue]);
  if (!isStaff(me)) return <Forbidden />;
  const tabs = [...(intake ? ['intake'] : []), 'agency', 'mine'];
  const onSubmit = (e) => {
    e.preventDefault();
    navigate('/phan-anh/xu-ly', { queue, status: f.values.status || undefined, category: f.values.category || undefined, overdue: f.values.overdue ? 'true' : undefined });
  };
  const now = Date.now();
  return (
    <Page title={t('fb.inbox.title')} wide>
      <p class="lead measure">{t('fb.inbox.lead')}</p>
      <nav class="fb-tabs" aria-label={t('fb.inbox.queues')}>
        {tabs.map((q) => (
          <Link key={q} to="/phan-anh/xu-ly" query={{ queue: q }} aria-current={q === queue ? 'page' : undefined}>{t('fb.inbox.q.' + q)}</Link>
        ))}
      </nav>
      {data && (
        <form class="form filters filters-row" onSubmit={onSubmit} aria-label={t('fb.filter')}>
          <Field name="status" as="select" label={t('fb.status')} value={f.values.status} onInput={f.set('status')}
            options={[{ value: '', label: t('fb.status.open') }, ...INBOX_STATUSES.map((s) => ({ value: s, label: t('fb.st.' + s) }))]} />
          <CategorySelect id="f-category" label={t('fb.category')} value={f.values.category} onInput={f.set('category')} list={data.list} any={t('fb.anyCategory')} />
          <div class="field"><label class="check"><input type="checkbox" checked={f.values.overdue} onChange={(e) => f.set('overdue')(e.currentTarget.checked)} /> {t('fb.inbox.onlyOverdue')}</label></div>
          <button class="btn" type="submit">{t('fb.filter.go')}</button>
        </form>
      )}
      {error ? <LoadError error={error} retry={reload} /> : (loading && !data) || !data ? <Loading /> : (
        <>
          <p role="status">{t('fb.list.count', { n: data.page.total })}</p>
          {data.page.items.length ? (
            <div class="table-wrap" tabIndex={0} role="region" aria-label={t('fb.inbox.q.' + queue)}>
              <table class="table fb-inbox">
                <caption class="visually-hidden">{t('fb.inbox.q.' + queue)}</caption>
                <thead><tr>
                  <th scope="col">{t('fb.inbox.report')}</th>
                  <th scope="col">{t('fb.category')}</th>
                  <th scope="col">{t('fb.status')}</th>
                  <th scope="col">{t('fb.page.agency')}</th>
                  <th scope="col">{t('fb.inbox.left')}</th>
                </tr></thead>
                <tbody>
                  {data.page.items.map((r) => (
                    <tr key={r.code}>
                      <td data-label={t('fb.inbox.report')}><div><Link to={`/phan-anh/${r.code}`}>{r.title}</Link><br /><span class="mono hint">{r.code}</span> · <span class="hint">{fmtLocal(r.submitted_at)}</span></div></td>
                      <td data-label={t('fb.category')}><div>{catName(data.list, r.category)}</div></td>
                      <td data-label={t('fb.status')}><div><FbStatus r={r} />{r.assignee_name && <><br /><span class="hint">{r.assignee_name}</span></>}</div></td>
                      <td data-label={t('fb.page.agency')}><div>{r.agency_name || '—'}{r.unit_name && <><br /><span class="hint">{r.unit_name}</span></>}</div></td>
                      <td data-label={t('fb.inbox.left')}><div><Left ms={left(r, now)} /></div></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : <p>{t('fb.inbox.none')}</p>}
        </>
      )}
    </Page>
  );
}

// ---- statistics --------------------------------------------------------------------------------

const num = (v) => (v == null ? '—' : String(v).replace('.', t('fb.decimal')));

function StatsTable({ id, title, rows, total, by, late, csv }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p class="actions">
        <a class="btn btn-small" href={csv('csv')} download>{t('fb.stats.csv')}<span class="visually-hidden"> — {title}</span></a>
        <a class="btn btn-small" href={csv('xlsx')} download>{t('fb.stats.xlsx')}<span class="visually-hidden"> — {title}</span></a>
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={title}>
        <table class="table fb-stats">
          <thead><tr>
            <th scope="col">{t('fb.stats.by.' + by)}</th>
            <th scope="col">{t('fb.stats.received')}</th>
            <th scope="col">{t('fb.stats.onTime')}</th>
            <th scope="col">{t('fb.stats.late')}</th>
            <th scope="col">{t('fb.stats.openWithin')}</th>
            <th scope="col">{t('fb.stats.openOverdue')}</th>
            <th scope="col">{t('fb.stats.onTimePct')}</th>
            <th scope="col">{t('fb.stats.rating')}</th>
            <th scope="col">{t('fb.stats.satisfied')}</th>
          </tr></thead>
          <tbody>
            {rows.map((x) => {
              const bad = late && (x.answered_late > 0 || x.open_overdue > 0);
              return (
                <tr key={x.key || '-'} class={bad ? 'fb-row-late' : undefined}>
                  <th scope="row">{x.name || x.key || t('fb.stats.unknown')}{bad && <> <span class="badge badge-late">{t('fb.stats.isLate')}</span></>}</th>
                  <td>{x.received}</td><td>{x.answered_on_time}</td><td>{x.answered_late}</td><td>{x.open_within}</td><td>{x.open_overdue}</td>
                  <td>{num(x.on_time_percent)}</td><td>{num(x.average_rating)}</td><td>{num(x.satisfied_percent)}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot><tr>
            <th scope="row">{t('fb.stats.total')}</th>
            <td>{total.received}</td><td>{total.answered_on_time}</td><td>{total.answered_late}</td><td>{total.open_within}</td><td>{total.open_overdue}</td>
            <td>{num(total.on_time_percent)}</td><td>{num(total.average_rating)}</td><td>{num(total.satisfied_percent)}</td>
          </tr></tfoot>
        </table>
      </div>
    </section>
  );
}

function Choropleth({ fc, rows, measure }) {
  const el = useRef(null);
  const by = new Map(rows.filter((x) => x.key).map((x) => [x.key, x]));
  const value = (code) => {
    const x = by.get(code);
    if (!x) return measure === 'received' ? 0 : null;
    return measure === 'received' ? x.received : x.on_time_percent;
  };
  const max = measure === 'received' ? Math.max(1, ...rows.map((x) => x.received)) : 100;
  useEffect(() => {
    const m = makeMap(el.current, t('fb.stats.mapLabel'));
    const layer = choropleth(m, fc, value, max, (p) => {
      const v = value(p.code);
      return `${p.name}: ${v == null ? t('fb.stats.noData') : measure === 'received' ? t('fb.stats.nReceived', { n: v }) : `${num(v)} %`}`;
    });
    try { m.fitBounds(layer.getBounds()); } catch { m.fitBounds(PROVINCE_BOUNDS); }
    return () => m.remove();
  }, [fc, rows, measure]);
  const step = max / SCALE.length;
  const fmt = (x) => (measure === 'received' ? String(Math.round(x)) : `${Math.round(x)} %`);
  return (
    <figure class="fb-choro">
      <div ref={el} class="fb-map" />
      <figcaption>
        <ul class="fb-scale">
          {SCALE.map((c, i) => <li key={c}><span class={`fb-swatch fb-swatch-${i}`} aria-hidden="true" /> {fmt(i * step)} – {fmt((i + 1) * step)}</li>)}
          <li><span class="fb-swatch fb-swatch-none" aria-hidden="true" /> {t('fb.stats.noData')}</li>
        </ul>
        <p class="hint">{t('fb.stats.mapNote')}</p>
      </figcaption>
    </figure>
  );
}

function thisYear() {
  const d = new Date(Date.now() + 7 * HOUR).toISOString().slice(0, 10);
  return { from: d.slice(0, 4) + '-01-01', to: d };
}

export function FeedbackStatsPage({ query }) {
  const def = thisYear();
  const from = query.from || def.from;
  const to = query.to || def.to;
  const f = useForm({ from, to });
  const [measure, setMeasure] = useState('on_time');
  const { data, error, loading, reload } = useLoad(async () => {
    const p = (by) => get('/api/v1/stats/feedback' + qs({ by, from, to }));
    const [agency, category, unit, fc, list] = await Promise.all([p('agency'), p('category'), p('unit'), loadCommunes(), loadCategories()]);
    return { agency, category, unit, fc, list };
  }, [from, to]);
  const onSubmit = (e) => {
    e.preventDefault();
    navigate('/phan-anh/thong-ke', { from: f.values.from, to: f.values.to });
  };
  const link = (by) => (format) => '/api/v1/stats/feedback' + qs({ by, from, to, format });
  return (
    <Page title={t('fb.stats.title')} wide>
      <p class="lead measure">{t('fb.stats.lead')}</p>
      <form class="form filters filters-row" onSubmit={onSubmit} aria-label={t('fb.period')}>
        <Field name="from" type="date" label={t('fb.stats.from')} value={f.values.from} onInput={f.set('from')} />
        <Field name="to" type="date" label={t('fb.stats.to')} value={f.values.to} onInput={f.set('to')} />
        <button class="btn" type="submit">{t('fb.filter.go')}</button>
      </form>
      {loading && !data ? <Loading /> : error ? <LoadError error={error} retry={reload} /> : (
        <>
          <StatsTable id="st-agency" title={t('fb.stats.byAgency')} by="agency" rows={data.agency.rows} total={data.agency.total} late csv={link('agency')} />
          <StatsTable id="st-category" title={t('fb.stats.byCategory')} by="category"
            rows={data.category.rows.map((x) => ({ ...x, name: catName(data.list, x.key) }))} total={data.category.total} csv={link('category')} />
          <section aria-labelledby="st-unit">
            <h2 id="st-unit">{t('fb.stats.byUnit')}</h2>
            {data.fc ? (
              <>
                <div class="fb-switch fb-switch-always" role="group" aria-label={t('fb.stats.colour')}>
                  {['on_time', 'received'].map((m) => (
                    <button key={m} type="button" class="btn btn-small" aria-pressed={measure === m ? 'true' : 'false'} onClick={() => setMeasure(m)}>{t('fb.stats.m.' + m)}</button>
                  ))}
                </div>
                <Choropleth fc={data.fc} rows={data.unit.rows} measure={measure} />
              </>
            ) : <p class="hint">{t('fb.stats.noMap')}</p>}
          </section>
          <StatsTable id="st-unit-t" title={t('fb.stats.byUnitTable')} by="unit" rows={data.unit.rows} total={data.unit.total} csv={link('unit')} />
        </>
      )}
    </Page>
  );
}

