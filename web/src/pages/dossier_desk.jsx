// The one-stop desk and the citizen's store: counter or postal intake by an
// officer of the receiving agency (find the procedure, the case, the commune,
// the channel, the applicant and their account, then the scanned papers with
// upload progress), and the citizen's document store (the papers filed and
// the results issued, each with the dossier it came from).
import { useState } from 'preact/hooks';
import { t, fmtDateTime } from '../i18n.js';
import { get, post, qs } from '../api.js';
import { useSession, grants } from '../store.js';
import { Page, Link, Field, Alert, Problem, Loading, LoadError, Forbidden, useForm, useLoad, requireFields } from '../ui.jsx';
import { pick, fmtLocal, FileUpload, fileUrl, fileSize } from './dossiers.jsx';

const isOfficer = (me) => grants(me).some((g) => g.role === 'officer' || g.role === 'system_admin');

// An Idempotency-Key for one intake: a second click, or a retry after a lost
// answer, files the same dossier.
function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- counter intake ------------------------------------------------------------------

function ProcedureSearch({ onPick }) {
  const f = useForm({ q: '' });
  const [found, setFound] = useState(null);
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => setFound(await get('/api/v1/procedures' + qs({ q: v.q.trim() || undefined, limit: 20 }))));
  };
  return (
    <section aria-labelledby="find-h">
      <h2 id="find-h">{t('ds.intake.find')}</h2>
      <form class="form filters" role="search" onSubmit={onSubmit} aria-labelledby="find-h">
        <Field name="q" label={t('ds.intake.findLabel')} hint={t('ds.intake.findHint')} value={f.values.q} onInput={f.set('q')}
          autocomplete="off" spellcheck={false} />
        <button class="btn" type="submit" disabled={f.busy}>{t('ds.intake.search')}</button>
      </form>
      <Problem error={f.problem} />
      {found && (found.items.length ? (
        <>
          <p role="status">{t('ds.intake.found', { n: found.total })}</p>
          <ul class="proc-list">
            {found.items.map((p) => (
              <li key={p.code} class="card">
                <button type="button" class="btn-link proc-pick" onClick={() => onPick(p.code)}>{pick(p.name, p.name_en)}</button>
                <p class="proc-meta"><span class="mono">{p.code}</span> · {p.field} · {t('proc.level.' + p.level)}</p>
              </li>
            ))}
          </ul>
        </>
      ) : <p role="status">{t('ds.intake.none')}</p>)}
    </section>
  );
}

function IntakeForm({ code, onChange, onDone }) {
  const { me } = useSession();
  const mineCodes = new Set(grants(me).map((g) => g.agency_code));
  const { data, error, loading, reload } = useLoad(async () => {
    const p = (await get(`/api/v1/procedures/${encodeURIComponent(code)}`)).procedure;
    let communes = [];
    let receiving = [];
    if (p.level === 'commune') {
      communes = (await get('/api/v1/agencies?kind=commune_committee&limit=200')).items;
      const own = communes.filter((c) => mineCodes.has(c.code));
      if (own.length) communes = own;
    } else {
      receiving = await Promise.all((p.receiving || []).map((c) => get(`/api/v1/agencies/${encodeURIComponent(c)}`)
        .then((a) => ({ code: c, name: a.name }), () => ({ code: c, name: c }))));
    }
    return { p, communes, receiving };
  }, [code]);
  const [key] = useState(newKey);
  const f = useForm({
    case: '0', unit: '', receiving: '', channel: 'counter', applicant_kind: 'citizen', applicant_name: '',
    applicant_id_number: '', applicant_phone: '', applicant_email: '', applicant_address: '', owner: '',
  });
  if (loading && !data) return <Loading />;
  if (error) return <LoadError error={error} retry={reload} />;
  const { p, communes, receiving } = data;
  const commune = p.level === 'commune';
  const unit = f.values.unit || (communes.length === 1 ? communes[0].unit_code : '');
  const recv = f.values.receiving || (receiving.find((a) => mineCodes.has(a.code)) || receiving[0] || {}).code || '';
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const body = { procedure: p.code, case: Number(v.case), channel: v.channel, applicant_kind: v.applicant_kind };
      if (commune) body.unit = unit;
      else if (recv) body.receiving = recv;
      for (const k of ['applicant_name', 'applicant_id_number', 'applicant_phone', 'applicant_email', 'applicant_address', 'owner']) {
        const x = v[k].trim();
        if (x) body[k] = x;
      }
      onDone(await post('/api/v1/dossiers', body, { headers: { 'Idempotency-Key': key } }));
    }, (v) => ({ ...requireFields(v, ['applicant_name']), ...(commune && !unit ? { unit: t('form.required') } : {}) }));
  };
  const fields = ['case', 'unit', 'receiving', 'channel', 'applicant_kind', 'applicant_name', 'applicant_id_number',
    'applicant_phone', 'applicant_email', 'applicant_address', 'owner'];
  return (
    <form class="form intake" onSubmit={onSubmit} noValidate aria-labelledby="intake-h">
      <h2 id="intake-h">{t('ds.intake.procedure')}</h2>
      <div class="picked card">
        <p><strong>{pick(p.name, p.name_en)}</strong></p>
        <p class="hint"><span class="mono">{p.code}</span> · {p.field} · {t('proc.level.' + p.level)}</p>
        <button type="button" class="btn btn-small" onClick={onChange}>{t('ds.intake.change')}</button>
      </div>
      <Problem error={f.problem} fields={fields} />
      {p.cases.length > 1 && <Field name="case" as="select" label={t('ds.new.case')} value={f.values.case} onInput={f.set('case')} error={f.errors.case}
        options={p.cases.map((c, i) => ({ value: String(i), label: pick(c.name, c.name_en) }))} />}
      {commune && <Field name="unit" as="select" label={t('ds.new.unit')} required value={unit} onInput={f.set('unit')} error={f.errors.unit}
        options={[{ value: '', label: t('ds.new.unitPick') }, ...communes.map((c) => ({ value: c.unit_code, label: c.name }))]} />}
      {!commune && receiving.length > 1 && <Field name="receiving" as="select" label={t('ds.intake.receiving')} value={recv} onInput={f.set('receiving')}
        error={f.errors.receiving} options={receiving.map((a) => ({ value: a.code, label: a.name }))} />}
      {!commune && receiving.length === 1 && <p>{t('ds.intake.receiving')}: {receiving[0].name}</p>}
      <Field name="channel" as="select" label={t('ds.intake.channel')} value={f.values.channel} onInput={f.set('channel')} error={f.errors.channel}
        options={['counter', 'post'].map((c) => ({ value: c, label: t('ds.intake.channel.' + c) }))} />
      <fieldset>
        <legend>{t('ds.intake.applicant')}</legend>
        <Field name="applicant_kind" as="select" label={t('ds.intake.kind')} value={f.values.applicant_kind} onInput={f.set('applicant_kind')}
          error={f.errors.applicant_kind} options={['citizen', 'business'].map((k) => ({ value: k, label: t('ds.intake.kind.' + k) }))} />
        <Field name="applicant_name" label={t(f.values.applicant_kind === 'business' ? 'ds.intake.orgName' : 'ds.intake.name')} required
          value={f.values.applicant_name} onInput={f.set('applicant_name')} error={f.errors.applicant_name} autocomplete="off" />
        <Field name="applicant_id_number" label={t(f.values.applicant_kind === 'business' ? 'ds.intake.taxCode' : 'ds.intake.idNumber')}
          hint={t('ds.intake.idHint')} inputmode="numeric" value={f.values.applicant_id_number} onInput={f.set('applicant_id_number')}
          error={f.errors.applicant_id_number} autocomplete="off" />
        <Field name="applicant_phone" type="tel" label={t('ds.intake.phone')} value={f.values.applicant_phone} onInput={f.set('applicant_phone')}
          error={f.errors.applicant_phone} autocomplete="off" />
        <Field name="applicant_email" type="email" label={t('ds.intake.email')} value={f.values.applicant_email} onInput={f.set('applicant_email')}
          error={f.errors.applicant_email} autocomplete="off" />
        <Field name="applicant_address" label={t('ds.intake.address')} value={f.values.applicant_address} onInput={f.set('applicant_address')}
          error={f.errors.applicant_address} autocomplete="off" />
        <Field name="owner" label={t('ds.intake.owner')} hint={t('ds.intake.ownerHint')} value={f.values.owner} onInput={f.set('owner')}
          error={f.errors.owner} autocomplete="off" spellcheck={false} />
      </fieldset>
      <div><button class="btn btn-primary" type="submit" disabled={f.busy}>{t('ds.intake.submit')}</button></div>
    </form>
  );
}

// After the intake: the papers scanned in, one input per paper and one for a
// scan of the whole dossier, then on to the dossier's page.
function IntakePapers({ d, setD }) {
  const comps = d.components || [];
  const base = `/api/v1/dossiers/${encodeURIComponent(d.code)}/files`;
  const refresh = async () => setD(await get(`/api/v1/dossiers/${encodeURIComponent(d.code)}`));
  const scans = d.files.filter((x) => x.kind === 'scan');
  return (
    <Page title={t('ds.intake.doneTitle')} wide>
      <Alert kind="success">{t('ds.intake.done', { code: d.code, due: fmtLocal(d.due_at) })}</Alert>
      <p class="big-code mono">{d.code}</p>
      <h2 id="papers-h">{t('ds.intake.papers')}</h2>
      <p class="measure">{t('ds.intake.papersLead')}</p>
      <ol class="tasks" aria-labelledby="papers-h">
        {comps.map((c, i) => {
          const files = d.files.filter((x) => x.component === i && x.kind !== 'result');
          const ok = files.length > 0 || c.from_state_data;
          return (
            <li key={i} class={ok ? 'task task-ok' : 'task'}>
              <p><strong>{c.name}</strong>{c.required && <span class="req" aria-hidden="true"> *</span>} — <span class={ok ? 'badge badge-done' : 'badge'}>{files.length ? t('ds.intake.scanned') : c.from_state_data ? t('ds.intake.notNeeded') : t('ds.intake.notScanned')}</span></p>
              {c.from_state_data && <p class="hint">{t('ds.draft.stateData')}</p>}
              {files.map((x) => <p key={x.id} class="hint"><a href={fileUrl(d.code, x)} download={x.filename}>{x.filename}</a> · {fileSize(x.size)}</p>)}
              <FileUpload id={`file-${i}`} label={t('ds.draft.attach', { name: c.name })}
                url={(file) => `${base}?kind=component&component=${i}&filename=${encodeURIComponent(file.name)}`} onDone={refresh} />
            </li>
          );
        })}
        <li class={scans.length ? 'task task-ok' : 'task'}>
          <p><strong>{t('ds.intake.scan')}</strong></p>
          {scans.map((x) => <p key={x.id} class="hint"><a href={fileUrl(d.code, x)} download={x.filename}>{x.filename}</a> · {fileSize(x.size)}</p>)}
          <FileUpload id="scan" label={t('ds.intake.scanAttach')} multiple
            url={(file) => `${base}?kind=scan&component=-1&filename=${encodeURIComponent(file.name)}`} onDone={refresh} />
        </li>
      </ol>
      <p class="actions">
        <Link to={`/ho-so/${d.code}`} class="btn btn-primary">{t('ds.intake.open')}</Link>
        <a class="btn" href={`/api/v1/dossiers/${encodeURIComponent(d.code)}/forms/receipt.pdf`} target="_blank" rel="noopener">{t('ds.form.receipt')} (PDF)</a>
      </p>
    </Page>
  );
}

export function IntakePage({ query }) {
  const { me } = useSession();
  const [code, setCode] = useState(query.procedure || '');
  const [made, setMade] = useState(null);
  if (!isOfficer(me)) return <Forbidden />;
  if (made) return <IntakePapers d={made} setD={setMade} />;
  return (
    <Page title={t('ds.intake.title')} wide>
      <p class="lead measure">{t('ds.intake.lead')}</p>
      {code ? <IntakeForm code={code} onChange={() => setCode('')} onDone={setMade} /> : <ProcedureSearch onPick={setCode} />}
      <p><Link to="/ho-so">{t('ds.queue.title')}</Link></p>
    </Page>
  );
}

// ---- the citizen's document store ---------------------------------------------------------

function DocList({ id, title, items }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {items.length ? (
        <ul class="docs">
          {items.map((x) => (
            <li key={x.sha256}>
              <a href={fileUrl(x.reused_from, x)} download={x.filename}>{x.filename}</a>
              <p class="hint">
                {t('ds.docs.dossier')} <Link to={`/ho-so/${x.reused_from}`} class="mono">{x.reused_from}</Link>
                {' · '}{fileSize(x.size)}{' · '}<time dateTime={x.added_at}>{fmtDateTime(x.added_at)}</time>
              </p>
            </li>
          ))}
        </ul>
      ) : <p class="hint">{t('ds.docs.empty')}</p>}
    </section>
  );
}

export function DocumentsPage() {
  const { data, error, loading, reload } = useLoad(() => get('/api/v1/me/documents'), []);
  let body;
  if (loading && !data) body = <Loading />;
  else if (error) body = <LoadError error={error} retry={reload} />;
  else if (!data.items.length) body = <p>{t('ds.docs.none')}</p>;
  else {
    body = (
      <>
        <DocList id="docs-results" title={t('ds.docs.results')} items={data.items.filter((x) => x.kind === 'result')} />
        <DocList id="docs-papers" title={t('ds.docs.papers')} items={data.items.filter((x) => x.kind !== 'result')} />
      </>
    );
  }
  return (
    <Page title={t('ds.docs.title')} wide>
      <p class="lead measure">{t('ds.docs.lead')}</p>
      {body}
      <p><Link to="/services">{t('ds.title')}</Link></p>
    </Page>
  );
}
