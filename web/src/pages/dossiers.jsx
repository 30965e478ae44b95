// Dossiers (dịch vụ công): the hub (look a dossier up, my dossiers and
// drafts, the staff's queue), the public lookup by code (what a slip's QR
// code opens), a dossier's page with only the actions its reader may take
// and the forms to print, filing online (procedure, case, commune, the
// papers with upload progress, submit, the confirmation) and the statistics
// with the Decision 766 scorecard.
import { useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { get, post, qs, ApiError, csrfToken } from '../api.js';
import { navigate } from '../router.js';
import { useSession, grants } from '../store.js';
import { Page, Link, Field, Alert, Problem, Loading, LoadError, useForm, useLoad } from '../ui.jsx';

export const pick = (vi, en) => (lang() === 'en' && en ? en : vi);

// "2026-12-03T08:15+07:00" -> "08:15 03/12/2026" (the instant is Vietnam time already)
export function fmtLocal(s) {
  if (!s) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s);
  return m ? `${m[4]}:${m[5]} ${m[3]}/${m[2]}/${m[1]}` : s;
}
// "2026-12-03" -> "03/12/2026"
const fmtDay = (s) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)}` : s || '—');
const statusName = (d) => pick(d.status_name, d.status_name_en);
const vnd = (n) => new Intl.NumberFormat(lang() === 'vi' ? 'vi-VN' : 'en-GB').format(n) + (lang() === 'vi' ? ' đồng' : ' VND');
export const isStaff = (me) => grants(me).length > 0;
const CODE_RE = /^\d{3}(\.\d{2}){1,3}\.[A-Z]\d{2}-\d{6}-\d{4,6}$/;

export function Status({ d }) {
  const cls = d.late ? 'badge badge-late' : d.status >= 9 ? 'badge badge-done' : 'badge';
  return <span class={cls}>{statusName(d)}{d.late ? ` · ${t('ds.late')}` : ''}</span>;
}

// ---- the hub -----------------------------------------------------------------

function LookupForm({ initial = '' }) {
  const f = useForm({ code: initial });
  const onSubmit = (e) => {
    e.preventDefault();
    const code = f.values.code.trim().toUpperCase();
    if (!code) return;
    navigate(`/tra-cuu/${encodeURIComponent(code)}`);
  };
  return (
    <form class="form filters" role="search" onSubmit={onSubmit} aria-labelledby="lookup-h">
      <Field name="code" label={t('ds.lookup.code')} hint={t('ds.lookup.hint')} value={f.values.code}
        onInput={f.set('code')} autocomplete="off" spellcheck={false} />
      <button class="btn" type="submit">{t('ds.lookup.go')}</button>
    </form>
  );
}

// select (the staff's queue): { has(d), may(d), toggle(d), all, some, toggleAll }: a
// checkbox per row that may be chosen, and one for the whole page
function DossierTable({ items, link = (d) => `/ho-so/${d.code}`, select, assignee }) {
  return (
    <div class="table-wrap">
      <table class="table">
        <thead><tr>
          {select && (
            <th scope="col" class="check-col">
              <input type="checkbox" aria-label={t('ds.bulk.selectAll')} checked={select.all}
                ref={(el) => { if (el) el.indeterminate = select.some && !select.all; }}
                onChange={(e) => select.toggleAll(e.currentTarget.checked)} />
            </th>
          )}
          <th scope="col">{t('ds.col.code')}</th><th scope="col">{t('ds.col.procedure')}</th>
          <th scope="col">{t('ds.col.applicant')}</th><th scope="col">{t('ds.col.status')}</th><th scope="col">{t('ds.col.due')}</th>
          {assignee && <th scope="col">{t('ds.col.assignee')}</th>}
        </tr></thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} class={select && select.has(d) ? 'selected' : undefined}>
              {select && (
                <td class="check-col">
                  <input type="checkbox" aria-label={t('ds.bulk.select', { code: d.code })} checked={select.has(d)}
                    disabled={!select.may(d)} onChange={() => select.toggle(d)} />
                </td>
              )}
              <td class="mono"><Link to={link(d)}>{d.code || `#${d.id}`}</Link></td>
              <td class="proc">{pick(d.procedure.name, d.procedure.name_en)}</td>
              <td>{d.applicant_name}</td>
              <td><Status d={d} /></td>
              <td>{d.due_at ? fmtLocal(d.due_at) : d.status === 5 ? t('ds.paused') : '—'}</td>
              {assignee && <td>{d.assignee ? d.assignee.name : '—'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Mine() {
  const { data, error, loading, reload } = useLoad(async () => {
    const [mine, drafts] = await Promise.all([get('/api/v1/me/dossiers?limit=20'), get('/api/v1/drafts')]);
    return { mine: mine.items, drafts: drafts.items };
  }, []);
  if (loading && !data) return <Loading />;
  if (error) return <LoadError error={error} retry={reload} />;
  return (
    <>
      {data.drafts.length > 0 && (
        <section aria-labelledby="drafts-h">
          <h2 id="drafts-h">{t('ds.drafts.title')}</h2>
          <DossierTable items={data.drafts} link={(d) => `/nop-ho-so/nhap/${d.id}`} />
        </section>
      )}
      <section aria-labelledby="mine-h">
        <h2 id="mine-h">{t('ds.mine.title')}</h2>
        {data.mine.length ? <DossierTable items={data.mine} /> : <p>{t('ds.mine.none')}</p>}
        <p><Link to="/kho-giay-to" class="btn">{t('ds.docs.link')}</Link></p>
      </section>
    </>
  );
}

export function ServicesPage() {
  const { me } = useSession();
  return (
    <Page title={t('ds.title')} wide>
      <p class="lead measure">{t('ds.lead')}</p>
      <section aria-labelledby="lookup-h">
        <h2 id="lookup-h">{t('ds.lookup.title')}</h2>
        <LookupForm />
      </section>
      <section aria-labelledby="file-h">
        <h2 id="file-h">{t('ds.file.title')}</h2>
        <p>{t('ds.file.lead')}</p>
        <p><Link to="/procedures" class="btn">{t('proc.title')}</Link></p>
        {!me && <p><Link to="/login" query={{ next: '/services' }}>{t('ds.file.signIn')}</Link></p>}
      </section>
      {isStaff(me) && (
        <p class="actions">
          <Link to="/ho-so" class="btn">{t('ds.queue.title')}</Link>
          <Link to="/tiep-nhan" class="btn">{t('ds.intake.link')}</Link>
        </p>
      )}
      {me && !isStaff(me) && <Mine />}
      <p><Link to="/thong-ke">{t('ds.stats.link')}</Link></p>
    </Page>
  );
}

// ---- a dossier ------------------------------------------------------------------

function Summary({ d }) {
  const rows = [
    [t('ds.procedure'), <>{pick(d.procedure.name, d.procedure.name_en)} <span class="hint mono">({d.procedure.code})</span></>],
    [t('ds.col.status'), <Status d={d} />],
    [t('ds.receiving'), d.receiving.name],
    [t('ds.implementing'), d.implementing.name],
    [t('ds.channel'), t('ds.channel.' + d.channel)],
    [t('ds.submitted'), fmtLocal(d.submitted_at)],
    [t('ds.received'), fmtLocal(d.received_at)],
    [t('ds.due'), d.due_at ? fmtLocal(d.due_at) : d.status === 5 ? t('ds.paused') : '—'],
  ];
  if (d.extended) rows.push([t('ds.originalDue'), fmtLocal(d.original_due)]);
  if (d.finished_at) rows.push([t('ds.finished'), fmtLocal(d.finished_at)]);
  if (d.returned_at) rows.push([t('ds.returned'), fmtLocal(d.returned_at)]);
  if (d.supplements) rows.push([t('ds.supplements'), String(d.supplements)]);
  return (
    <dl class="facts">
      {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
    </dl>
  );
}

function History({ d }) {
  return (
    <>
      <h2 id="hist-h">{t('ds.history')}</h2>
      <ol class="timeline" aria-labelledby="hist-h">
        {d.history.map((e, i) => (
          <li key={i}>
            <p><strong>{pick(e.action_name, e.action_name_en)}</strong> — {fmtLocal(e.at)}</p>
            <p class="hint">
              {e.step_name && <>{e.step_name}{e.agency_name ? ' · ' : ''}</>}{e.agency_name}
              {e.actor_name && <> · {e.actor_name}</>}
            </p>
            {e.reason && <p>{t('ds.reason')}: {e.reason}</p>}
          </li>
        ))}
      </ol>
      {d.pauses.length > 0 && (
        <>
          <h2 id="pause-h">{t('ds.pauses')}</h2>
          <ul aria-labelledby="pause-h">
            {d.pauses.map((p, i) => <li key={i}>{fmtLocal(p.from)} → {p.to ? fmtLocal(p.to) : t('ds.pause.open')}{p.reason ? ` — ${p.reason}` : ''}</li>)}
          </ul>
        </>
      )}
    </>
  );
}

export function LookupPage({ code }) {
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/public/dossiers/${encodeURIComponent(code)}`), [code]);
  if (loading && !data) return <Page title={t('ds.lookup.title')}><Loading /></Page>;
  if (error) {
    const nf = error instanceof ApiError && error.status === 404;
    return (
      <Page title={t('ds.lookup.title')}>
        {nf ? <Alert kind="error">{t('ds.lookup.notFound')}</Alert> : <LoadError error={error} retry={reload} />}
        <LookupForm initial={code} />
      </Page>
    );
  }
  return (
    <Page title={t('ds.page.title', { code: data.code })} wide>
      <Summary d={data} />
      <History d={data} />
      <p><Link to="/services">{t('ds.title')}</Link></p>
    </Page>
  );
}

const FORMS = { receipt: (d) => d.received_at, supplement: (d) => d.history.some((e) => e.action === 'request_supplement'),
  refusal: (d) => d.status === 3, apology: (d) => d.extended, stop: (d) => d.status === 8, control: () => true, fee: (d) => (d.payments || []).length > 0 };
// what each action asks for
const NEEDS = {
  refuse: ['reason'], send_back: ['reason'], request_supplement: ['reason'], stop: ['reason'], extend: ['reason', 'new_due'],
  finish: ['result_number', 'signer'], return: ['way'], pay: ['way'], rate: ['rating'], fee_due: [], withdraw: [],
};

function Actions({ d, onDone, done }) {
  const first = d.actions[0];
  const f = useForm({ action: first, reason: '', result_number: '', signer: '', new_due: '', way: '', reference: '', rating: '5', confirm_late: false });
  const a = f.values.action;
  const needs = NEEDS[a] || [];
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const body = { action: v.action, rev: d.rev };
      for (const k of needs) if (v[k] !== '') body[k] = k === 'rating' ? Number(v[k]) : v[k];
      if (v.action === 'withdraw' && v.reason) body.reason = v.reason;
      if (v.action === 'request_supplement' && v.confirm_late) body.confirm_late = true;
      if (v.action === 'pay' && v.way === 'bank_transfer' && v.reference) body.reference = v.reference;
      onDone(await post(`/api/v1/dossiers/${encodeURIComponent(d.code)}/actions`, body));
    });
  };
  const ways = a === 'pay' ? ['counter', 'bank_transfer'] : ['online', 'counter', 'post'];
  return (
    <form class="form" onSubmit={onSubmit} aria-labelledby="act-h" noValidate>
      <h2 id="act-h">{t('ds.actions')}</h2>
      <Problem error={f.problem} fields={['action', ...needs, 'confirm_late', 'reference']} />
      <Field name="action" as="select" label={t('ds.actions')} value={a} onInput={f.set('action')}
        options={d.actions.map((x) => ({ value: x, label: t('ds.act.' + x) }))} />
      {(needs.includes('reason') || (a === 'withdraw' && !d.mine)) && (
        <Field name="reason" as="textarea" label={t('ds.reason')} required value={f.values.reason} onInput={f.set('reason')} error={f.errors.reason} />
      )}
      {needs.includes('new_due') && <Field name="new_due" type="datetime-local" label={t('ds.act.newDue')} required value={f.values.new_due} onInput={f.set('new_due')} error={f.errors.new_due} />}
      {needs.includes('result_number') && <Field name="result_number" label={t('ds.resultNumber')} required value={f.values.result_number} onInput={f.set('result_number')} error={f.errors.result_number} />}
      {needs.includes('signer') && <Field name="signer" label={t('ds.signer')} required value={f.values.signer} onInput={f.set('signer')} error={f.errors.signer} />}
      {needs.includes('way') && <Field name="way" as="select" label={t('ds.channel')} value={f.values.way} onInput={f.set('way')}
        options={[{ value: '', label: '—' }, ...ways.map((w) => ({ value: w, label: w === 'bank_transfer' ? 'Chuyển khoản / Bank transfer' : t('ds.channel.' + w) }))]} />}
      {a === 'pay' && f.values.way === 'bank_transfer' && <Field name="reference" label={t('ds.pay.reference')} hint={t('ds.pay.referenceHint')} required
        value={f.values.reference} onInput={f.set('reference')} error={f.errors.reference} />}
      {needs.includes('rating') && <Field name="rating" as="select" label={t('ds.rating')} value={f.values.rating} onInput={f.set('rating')}
        options={[5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: t('ds.rate.' + n) }))} />}
      {a === 'request_supplement' && d.supplements > 0 && (
        <div class="field">
          <label class="check"><input type="checkbox" checked={f.values.confirm_late} onChange={(e) => f.set('confirm_late')(e.currentTarget.checked)} /> {t('ds.act.confirmLate')}</label>
          {f.errors.confirm_late && <p class="field-error">{f.errors.confirm_late}</p>}
        </div>
      )}
      <button class="btn" type="submit" disabled={f.busy}>{t('ds.act.' + a)}</button>
    </form>
  );
}

// The result documents: everyone who reads the dossier downloads them; the
// officer at its last step, or at the desk once it is done, uploads them.
function Results({ d, onUploaded }) {
  const { me } = useSession();
  const [added, setAdded] = useState(null);
  const results = d.files.filter((x) => x.kind === 'result');
  const may = isStaff(me) && (d.actions.includes('finish') || (d.status === 9 && d.actions.includes('return')));
  if (!may && !results.length && !d.result_number) return null;
  return (
    <section aria-labelledby="results-h">
      <h2 id="results-h">{t('ds.results.title')}</h2>
      {d.result_number && <p>{t('ds.resultNumber')}: {d.result_number} · {t('ds.signer')}: {d.result_signer}</p>}
      {results.length ? (
        <ul class="docs">
          {results.map((x) => (
            <li key={x.id}>
              <a href={fileUrl(d.code, x)} download={x.filename}>{x.filename}</a>
              <span class="hint"> · {fileSize(x.size)}</span>
            </li>
          ))}
        </ul>
      ) : <p class="hint">{t('ds.results.none')}</p>}
      {added && <Alert kind="success">{t('ds.results.uploaded', { name: added })}</Alert>}
      {may && (
        <FileUpload id="result" label={t('ds.results.upload')} hint={t('ds.results.uploadHint')} multiple
          url={(file) => `/api/v1/dossiers/${encodeURIComponent(d.code)}/files?kind=result&component=-1&filename=${encodeURIComponent(file.name)}`}
          onDone={async (r) => { setAdded(r.filename); await onUploaded(); }} />
      )}
    </section>
  );
}

export function DossierPage({ code }) {
  // fresh: the dossier as an action (acted) or an upload left it
  const [fresh, setFresh] = useState(null);
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/dossiers/${encodeURIComponent(code)}`), [code]);
  const mine = fresh && fresh.d.code === code;
  const done = mine && fresh.acted ? statusName(fresh.d) : null;
  const d = mine ? fresh.d : data;
  if (loading && !d) return <Page title={t('ds.page.title', { code })}><Loading /></Page>;
  if (error && !d) return <Page title={t('ds.page.title', { code })}><LoadError error={error} retry={reload} /></Page>;
  const comps = d.components || [];
  return (
    <Page title={t('ds.page.title', { code: d.code })} wide>
      <Summary d={d} />
      <h2>{t('ds.applicant')}</h2>
      <p>{d.applicant.name}{d.applicant.id_number ? ` · ${d.applicant.id_number}` : ''}{d.applicant.phone ? ` · ${d.applicant.phone}` : ''}</p>
      <h2 id="papers-h">{t('ds.papers')}</h2>
      <ul aria-labelledby="papers-h">
        {comps.map((c, i) => {
          const files = d.files.filter((x) => x.component === i);
          return (
            <li key={i}>{c.name}: {files.length ? files.map((x) => (
              <a key={x.id} href={`/api/v1/dossiers/${encodeURIComponent(d.code)}/files/${x.sha256}`} download={x.filename}>{x.filename}</a>
            )).reduce((acc, el) => (acc.length ? [...acc, ', ', el] : [el]), []) : <span class="hint">{c.from_state_data ? t('ds.draft.stateData') : t('ds.paper.none')}</span>}</li>
          );
        })}
        {d.files.filter((x) => x.kind !== 'result' && (x.component < 0 || x.component >= comps.length)).map((x) => (
          <li key={x.id}><a href={fileUrl(d.code, x)} download={x.filename}>{x.filename}</a> ({t('ds.file.' + x.kind)})</li>
        ))}
      </ul>
      {d.fee_vnd > 0 && <p>{t('ds.fee')}: {vnd(d.fee_vnd)} — {d.paid_at ? t('ds.paid', { way: t('ds.pay.way.' + d.payment_way) }) : t('ds.unpaid')}</p>}
      {(d.payments || []).length > 0 && (
        <ul class="payments" aria-label={t('ds.payments')}>
          {d.payments.map((p) => (
            <li key={p.seq}>{t('ds.pay.line', { no: p.receipt_no, amount: vnd(p.amount_vnd), way: t('ds.pay.way.' + p.way) })}{p.reference ? ` · ${t('ds.pay.ref', { ref: p.reference })}` : ''}</li>
          ))}
        </ul>
      )}
      <Results d={d} onUploaded={async () => setFresh({ d: await get(`/api/v1/dossiers/${encodeURIComponent(d.code)}`), acted: false })} />
      {d.rating && <p>{t('ds.rating')}: {t('ds.rate.' + d.rating)}</p>}
      {done && <Alert kind="success" focusOn={fresh.d.rev}>{t('ds.act.done', { status: done })}</Alert>}
      {d.actions.length > 0 && <Actions key={d.rev} d={d} onDone={(v) => setFresh({ d: v, acted: true })} />}
      <h2 id="forms-h">{t('ds.forms')}</h2>
      <ul aria-labelledby="forms-h">
        {Object.entries(FORMS).filter(([, ok]) => ok(d)).map(([k]) => (
          <li key={k}><a href={`/api/v1/dossiers/${encodeURIComponent(d.code)}/forms/${k}.pdf`} target="_blank" rel="noopener">{t('ds.form.' + k)} (PDF)</a></li>
        ))}
      </ul>
      <History d={d} />
    </Page>
  );
}

// ---- the staff's queue ---------------------------------------------------------------

const STATUSES = ['submitted', 'received', 'processing', 'supplement_requested', 'fee_due', 'done', 'returned', 'refused', 'withdrawn', 'stopped'];

// the statuses assign starts from (flow.c's rule table)
const ASSIGNABLE = new Set([1, 2, 4, 6, 9]);
const mayAssign = (d) => ASSIGNABLE.has(d.status) && !!d.handler;

// Give the chosen dossiers to one person: the people every chosen dossier's
// step may be given to (its agency and role), one request for them all.
function BulkAssign({ chosen, onDone }) {
  const groups = [...new Set(chosen.map((d) => `${d.handler}|${d.handler_role || 'officer'}`))].sort();
  const people = useLoad(async () => {
    if (!groups.length) return [];
    const lists = await Promise.all(groups.map((g) => {
      const [agency, role] = g.split('|');
      return get('/api/v1/dossier-assignees' + qs({ agency, role })).then((r) => r.items, () => []);
    }));
    return lists.reduce((acc, l) => acc.filter((p) => l.some((q) => q.id === p.id)));
  }, [groups.join(',')]);
  const f = useForm({ assignee: '' });
  const list = people.data || [];
  const check = (v) => {
    if (!chosen.length) return { codes: t('ds.bulk.pickFirst') };
    if (!list.some((p) => String(p.id) === v.assignee)) return { assignee: t('ds.bulk.pickAssignee') };
    return {};
  };
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const r = await post('/api/v1/dossiers/bulk-actions', {
        action: 'assign', codes: chosen.map((d) => d.code), revs: chosen.map((d) => d.rev), assignee: Number(v.assignee),
      });
      const who = list.find((p) => String(p.id) === v.assignee);
      onDone(r, who ? who.full_name : '');
    }, check);
  };
  const none = chosen.length > 0 && !people.loading && list.length === 0;
  const value = list.some((p) => String(p.id) === f.values.assignee) ? f.values.assignee : '';
  return (
    <form class="form bulk" onSubmit={onSubmit} aria-labelledby="bulk-h" noValidate>
      <h2 id="bulk-h">{t('ds.bulk.title')}</h2>
      <p class="hint" role="status">{chosen.length ? t('ds.bulk.selected', { n: chosen.length }) : t('ds.bulk.hint')}</p>
      <Problem error={f.problem} fields={['assignee']} />
      {none ? <p>{t('ds.bulk.noCommon')}</p> : (
        <div class="bulk-row">
          <Field name="assignee" as="select" label={t('ds.bulk.assignee')} required value={value} onInput={f.set('assignee')}
            error={f.errors.assignee} disabled={!chosen.length}
            options={[{ value: '', label: t('ds.bulk.assigneePick') }, ...list.map((p) => ({ value: String(p.id), label: p.full_name }))]} />
          <button class="btn btn-primary" type="submit" disabled={f.busy || !chosen.length}>{chosen.length ? t('ds.bulk.go', { n: chosen.length }) : t('ds.bulk.title')}</button>
        </div>
      )}
    </form>
  );
}

function BulkResult({ r }) {
  const failed = r.results.filter((x) => !x.ok);
  return (
    <Alert kind={failed.length ? 'error' : 'success'} focusOn={r}>
      {r.done > 0 && <p class="alert-title">{t('ds.bulk.done', { n: r.done, name: r.name })}</p>}
      {failed.length > 0 && (
        <>
          <p class="alert-title">{t('ds.bulk.failed', { n: failed.length })}</p>
          <ul>{failed.map((x) => <li key={x.code}><span class="mono">{x.code}</span>: {x.problem.detail}</li>)}</ul>
        </>
      )}
    </Alert>
  );
}

export function QueuePage({ query }) {
  const f = useForm({ queue: query.queue || 'agency', status: query.status || '', overdue: query.overdue === 'true' });
  // a figure of the statistics form, drilled into: the dossiers behind it
  const drill = query.measure ? { measure: query.measure, from: query.from, to: query.to, implementing: query.implementing } : {};
  const params = { queue: query.queue || 'agency', status: query.status, overdue: query.overdue, ...drill, limit: 50, offset: query.offset };
  const { data, error, loading, reload } = useLoad(() => get('/api/v1/dossiers' + qs(params)),
    [query.queue, query.status, query.overdue, query.offset, query.measure, query.from, query.to, query.implementing]);
  const [selected, setSelected] = useState(() => new Set());
  const [result, setResult] = useState(null);
  const onSubmit = (e) => {
    e.preventDefault();
    const v = f.values;
    navigate('/ho-so', { queue: v.queue, status: v.status || undefined, overdue: v.overdue ? 'true' : undefined });
  };
  const items = data ? data.items : [];
  const chosen = items.filter((d) => selected.has(d.code));
  const open = items.filter(mayAssign);
  const select = {
    has: (d) => selected.has(d.code),
    may: mayAssign,
    all: open.length > 0 && open.every((d) => selected.has(d.code)),
    some: chosen.length > 0,
    toggle: (d) => setSelected((s) => {
      const n = new Set(s);
      if (n.has(d.code)) n.delete(d.code); else n.add(d.code);
      return n;
    }),
    toggleAll: (on) => setSelected(on ? new Set(open.map((d) => d.code)) : new Set()),
  };
  const onAssigned = (r, name) => {
    setResult({ ...r, name });
    setSelected(new Set(r.results.filter((x) => !x.ok).map((x) => x.code)));
    reload();
  };
  return (
    <Page title={t('ds.queue.title')} wide>
      <p class="lead measure">{t('ds.queue.lead')}</p>
      <p><Link to="/tiep-nhan" class="btn">{t('ds.intake.link')}</Link></p>
      <form class="form filters filters-row" onSubmit={onSubmit} aria-label={t('ds.queue.show')}>
        <Field name="queue" as="select" label={t('ds.queue.queue')} value={f.values.queue} onInput={f.set('queue')}
          options={['agency', 'mine', 'all'].map((q) => ({ value: q, label: t('ds.queue.' + q) }))} />
        <Field name="status" as="select" label={t('ds.queue.status')} value={f.values.status} onInput={f.set('status')}
          options={[{ value: '', label: t('ds.queue.anyStatus') }, ...STATUSES.map((s) => ({ value: s, label: t('ds.status.' + s) }))]} />
        <div class="field"><label class="check"><input type="checkbox" checked={f.values.overdue} onChange={(e) => f.set('overdue')(e.currentTarget.checked)} /> {t('ds.queue.overdue')}</label></div>
        <button class="btn" type="submit">{t('ds.queue.show')}</button>
      </form>
      {query.measure && (
        <Alert kind="info">
          {t('ds.drill', { measure: t('st.m.' + query.measure), from: fmtDay(query.from), to: fmtDay(query.to) })}
          {query.implementing && data && data.items[0] ? ` — ${data.items[0].implementing?.name || query.implementing}` : ''}
          {' '}<Link to="/thong-ke" query={{ from: query.from, to: query.to }}>{t('ds.drill.back')}</Link>
        </Alert>
      )}
      {result && <BulkResult r={result} />}
      {loading && !data ? <Loading /> : error ? <LoadError error={error} retry={reload} /> : (
        <>
          <p role="status">{t('ds.queue.count', { n: data.total })}</p>
          {items.length ? (
            <>
              {open.length > 0 && <BulkAssign chosen={chosen} onDone={onAssigned} />}
              <DossierTable items={items} select={open.length > 0 ? select : undefined} assignee />
            </>
          ) : <p>{t('ds.queue.none')}</p>}
        </>
      )}
    </Page>
  );
}

// ---- filing online ------------------------------------------------------------------

export function FilePage({ procedure }) {
  const { me } = useSession();
  const { data, error, loading, reload } = useLoad(async () => {
    const p = await get(`/api/v1/procedures/${encodeURIComponent(procedure)}`);
    const communes = p.procedure.level === 'commune' ? (await get('/api/v1/agencies?kind=commune_committee&limit=200')).items : [];
    return { p: p.procedure, communes };
  }, [procedure]);
  const f = useForm({ case: '0', unit: '' });
  if (!me) return <Page title={t('ds.file.title')}><p><Link to="/login" query={{ next: `/nop-ho-so/${procedure}` }}>{t('ds.file.signIn')}</Link></p></Page>;
  if (loading && !data) return <Page title={t('ds.file.title')}><Loading /></Page>;
  if (error) return <Page title={t('ds.file.title')}><LoadError error={error} retry={reload} /></Page>;
  const p = data.p;
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const body = { procedure: p.code, case: Number(v.case) };
      if (p.level === 'commune') body.unit = v.unit || undefined;
      const d = await post('/api/v1/drafts', body);
      navigate(`/nop-ho-so/nhap/${d.id}`);
    });
  };
  return (
    <Page title={t('ds.new.title', { name: pick(p.name, p.name_en) })}>
      <form class="form" onSubmit={onSubmit} noValidate>
        <Problem error={f.problem} fields={['case', 'unit']} />
        {p.cases.length > 1 && <Field name="case" as="select" label={t('ds.new.case')} value={f.values.case} onInput={f.set('case')} error={f.errors.case}
          options={p.cases.map((c, i) => ({ value: String(i), label: pick(c.name, c.name_en) }))} />}
        {p.level === 'commune' && <Field name="unit" as="select" label={t('ds.new.unit')} required value={f.values.unit} onInput={f.set('unit')} error={f.errors.unit}
          options={[{ value: '', label: t('ds.new.unitPick') }, ...data.communes.map((c) => ({ value: c.unit_code, label: c.name }))]} />}
        <button class="btn" type="submit" disabled={f.busy}>{t('ds.new.create')}</button>
      </form>
    </Page>
  );
}

// POST a file with progress (fetch has none): resolves the answer, rejects an ApiError.
export function uploadWithProgress(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('Accept-Language', lang());
    x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    const c = csrfToken();
    if (c) x.setRequestHeader('X-CSRF-Token', c);
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((100 * e.loaded) / e.total));
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { body = null; }
      if (x.status >= 200 && x.status < 300) resolve(body);
      else reject(new ApiError(x.status, body));
    };
    x.onerror = () => reject(new ApiError(0, null));
    x.send(file);
  });
}

// One file input that uploads what is chosen (url(file) says where) with its
// progress; the refusal shows at the field. onDone(answer, file) after each.
export function FileUpload({ id, label, hint, url, onDone, multiple }) {
  const [progress, setProgress] = useState(undefined);
  const [err, setErr] = useState(null);
  const onChange = async (e) => {
    const input = e.currentTarget;
    const files = [...input.files];
    setErr(null);
    for (const file of files) {
      try {
        setProgress(0);
        const r = await uploadWithProgress(url(file), file, setProgress);
        await onDone(r, file);
      } catch (x) {
        setErr(x.network ? t('error.network') : x.detail || x.title || t('error.generic'));
        break;
      } finally {
        setProgress(undefined);
      }
    }
    input.value = '';
  };
  const hintId = hint ? `f-${id}-hint` : null;
  const errId = err ? `f-${id}-error` : null;
  return (
    <div class={err ? 'field field-invalid' : 'field'}>
      <label for={`f-${id}`}>{label}</label>
      {hint && <p class="hint" id={hintId}>{hint}</p>}
      {err && <p class="field-error" id={errId}>{err}</p>}
      <input id={`f-${id}`} type="file" accept="application/pdf,image/jpeg,image/png" multiple={multiple}
        aria-describedby={[hintId, errId].filter(Boolean).join(' ') || undefined} aria-invalid={err ? 'true' : undefined}
        disabled={progress !== undefined} onChange={onChange} />
      {progress !== undefined && <progress max="100" value={progress} aria-label={t('ds.draft.uploading', { pct: progress })}>{progress}%</progress>}
    </div>
  );
}

export const fileUrl = (code, x) => `/api/v1/dossiers/${encodeURIComponent(code)}/files/${x.sha256}`;
export function fileSize(n) {
  const f = new Intl.NumberFormat(lang() === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });
  return n >= 1048576 ? `${f.format(n / 1048576)} MB` : `${f.format(Math.max(1, n / 1024))} KB`;
}

export function DraftPage({ id }) {
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/drafts/${id}`), [id]);
  const [progress, setProgress] = useState({});
  const [fileErr, setFileErr] = useState({});
  const [done, setDone] = useState(null);
  const f = useForm({});
  if (done) {
    return (
      <Page title={t('ds.done.title')}>
        <Alert kind="success" focusOn={done.code}>{t('ds.done.lead', { agency: done.receiving.name, code: done.code })}</Alert>
        <p class="big-code mono">{done.code}</p>
        <p>{t('ds.done.next')}</p>
        <p><Link to={`/ho-so/${done.code}`} class="btn">{t('ds.open')}</Link></p>
      </Page>
    );
  }
  if (loading && !data) return <Page title={t('ds.file.title')}><Loading /></Page>;
  if (error) return <Page title={t('ds.file.title')}><LoadError error={error} retry={reload} /></Page>;
  const d = data;
  const comps = d.components || [];
  const attach = async (i, file) => {
    if (!file) return;
    setFileErr((s) => ({ ...s, [i]: null }));
    try {
      await uploadWithProgress(`/api/v1/drafts/${id}/files?component=${i}&filename=${encodeURIComponent(file.name)}`, file,
        (pct) => setProgress((s) => ({ ...s, [i]: pct })));
      reload();
    } catch (e) {
      setFileErr((s) => ({ ...s, [i]: e.detail || e.title || t('error.generic') }));
    } finally {
      setProgress((s) => ({ ...s, [i]: undefined }));
    }
  };
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async () => setDone(await post(`/api/v1/drafts/${id}/submit`)));
  };
  return (
    <Page title={t('ds.draft.title', { name: pick(d.procedure.name, d.procedure.name_en) })} wide>
      <p class="lead measure">{t('ds.draft.lead')}</p>
      <p>{t('ds.receiving')}: {d.receiving.name}</p>
      <ol class="tasks">
        {comps.map((c, i) => {
          const files = d.files.filter((x) => x.component === i);
          const ok = files.length > 0 || c.from_state_data || !c.required;
          return (
            <li key={i} class={ok ? 'task task-ok' : 'task'}>
              <p><strong>{c.name}</strong>{c.required && <span class="req" aria-hidden="true"> *</span>} — <span class={ok ? 'badge badge-done' : 'badge'}>{files.length || c.from_state_data || !c.required ? t('ds.draft.ok') : t('ds.draft.todo')}</span></p>
              {c.from_state_data && <p class="hint">{t('ds.draft.stateData')}</p>}
              {files.map((x) => <p key={x.id} class="hint">{x.filename}</p>)}
              <div class={fileErr[i] ? 'field field-invalid' : 'field'}>
                <label for={`f-file-${i}`}>{t('ds.draft.attach', { name: c.name })}</label>
                {fileErr[i] && <p class="field-error" id={`f-file-${i}-error`}>{fileErr[i]}</p>}
                <input id={`f-file-${i}`} type="file" accept="application/pdf,image/jpeg,image/png"
                  aria-describedby={fileErr[i] ? `f-file-${i}-error` : undefined} aria-invalid={fileErr[i] ? 'true' : undefined}
                  onChange={(e) => attach(i, e.currentTarget.files[0])} />
                {progress[i] !== undefined && <progress max="100" value={progress[i]} aria-label={t('ds.draft.uploading', { pct: progress[i] })}>{progress[i]}%</progress>}
              </div>
            </li>
          );
        })}
      </ol>
      <form class="form" onSubmit={onSubmit}>
        <Problem error={f.problem} />
        <button class="btn" type="submit" disabled={f.busy}>{t('ds.draft.submit')}</button>
      </form>
    </Page>
  );
}

// ---- statistics and the 766 index -------------------------------------------------------

const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);

export function StatsPage({ query }) {
  const { me } = useSession();
  const to = query.to || today();
  const from = query.from || `${to.slice(0, 4)}-01-01`;
  const f = useForm({ from, to });
  const { data, error, loading, reload } = useLoad(async () => {
    const [st, si] = await Promise.all([get(`/api/v1/stats/dossiers${qs({ from, to })}`), get(`/api/v1/service-index${qs({ from, to })}`)]);
    return { st, card: si.scorecards[0] };
  }, [from, to]);
  const onSubmit = (e) => {
    e.preventDefault();
    navigate('/thong-ke', { from: f.values.from, to: f.values.to });
  };
  const pct = (v) => (v === null || v === undefined ? '—' : `${v}%`);
  // staff open the dossiers behind a figure (the public sees the figure only)
  const staff = isStaff(me);
  const cell = (r, m) => (staff && r[m] > 0 ? (
    <Link to="/ho-so" query={{ queue: 'all', measure: m, from, to, implementing: r.total ? undefined : r.agency }}
      aria-label={t('st.drill', { n: r[m], measure: t('st.m.' + m), agency: r.agency_name || r.agency })}>{r[m]}</Link>
  ) : r[m]);
  return (
    <Page title={t('st.title')} wide>
      <p class="lead measure">{t('st.lead')}</p>
      <form class="form filters filters-row" onSubmit={onSubmit} aria-label={t('st.show')}>
        <Field name="from" type="date" label={t('st.from')} value={f.values.from} onInput={f.set('from')} />
        <Field name="to" type="date" label={t('st.to')} value={f.values.to} onInput={f.set('to')} />
        <button class="btn" type="submit">{t('st.show')}</button>
      </form>
      <p>
        <a href={`/api/v1/stats/dossiers${qs({ from, to, format: 'csv' })}`} download>{t('st.csv')}</a>{' · '}
        <a href={`/api/v1/stats/dossiers${qs({ from, to, format: 'xlsx' })}`} download>{t('st.xlsx')}</a>
      </p>
      {loading && !data ? <Loading /> : error ? <LoadError error={error} retry={reload} /> : (
        <>
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">{t('st.title')}</caption>
              <thead><tr>
                <th scope="col">{t('st.agency')}</th><th scope="col">{t('st.received')}</th><th scope="col">{t('st.early')}</th>
                <th scope="col">{t('st.onTime')}</th><th scope="col">{t('st.late')}</th><th scope="col">{t('st.inProgress')}</th>
                <th scope="col">{t('st.overdueNow')}</th><th scope="col">{t('st.onTimePct')}</th><th scope="col">{t('st.satisfied')}</th>
              </tr></thead>
              <tbody>
                {[...data.st.rows, { ...data.st.total, agency_name: t('st.total'), total: true }].map((r) => (
                  <tr key={r.agency || 'total'} class={r.total ? 'total' : undefined}>
                    <th scope="row">{r.agency_name || r.agency}</th>
                    <td>{r.received}</td><td>{cell(r, 'finished_early')}</td><td>{cell(r, 'finished_on_time')}</td><td>{cell(r, 'finished_late')}</td>
                    <td>{r.in_progress}</td><td>{cell(r, 'in_progress_overdue')}</td><td>{pct(r.on_time_percent)}</td><td>{pct(r.satisfied_percent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2 id="idx-h">{t('st.index.title')}</h2>
          <p>{t('st.index.lead')}</p>
          <p class="score" role="status">{t('st.index.score', { score: data.card.score, max: data.card.max_available })}</p>
          <div class="table-wrap">
            <table class="table" aria-labelledby="idx-h">
              <thead><tr><th scope="col">{t('st.index.indicator')}</th><th scope="col">{t('st.index.rate')}</th><th scope="col">{t('st.index.points')}</th></tr></thead>
              {data.card.groups.map((g) => (
                <tbody key={g.id}>
                  <tr class="group"><th scope="rowgroup" colSpan={3}>{pick(g.name, g.name_en)} — {g.points}/{g.max_available} ({g.max})</th></tr>
                  {g.indicators.map((i) => (
                    <tr key={i.id}>
                      <th scope="row">{pick(i.name, i.name_en)}</th>
                      <td>{i.available ? `${i.rate_percent}% (${i.numerator}/${i.denominator})` : <span class="hint">{t('st.index.na')}: {pick(i.reason, i.reason_en)}</span>}</td>
                      <td>{i.available ? `${i.points}/${i.max}` : `—/${i.max}`}</td>
                    </tr>
                  ))}
                </tbody>
              ))}
            </table>
          </div>
        </>
      )}
    </Page>
  );
}
