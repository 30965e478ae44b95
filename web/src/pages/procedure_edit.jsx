// The administrators' editor of a procedure: a new one, or a new version of
// one in force (the server keeps the old version readable; an edit made
// from a version someone else has replaced since is refused, 409). Every
// part of the document is a field here — cases with their processing time
// per channel and their fees, the papers with their form templates
// (uploaded here, checked by content on the server), results, legal basis —
// and every problem the server finds is shown next to its field.
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { get, post, put, upload, ApiError } from '../api.js';
import { navigate } from '../router.js';
import { Page, Link, Field, Problem, Loading, LoadError, useForm, useLoad } from '../ui.jsx';

const CHANNELS = ['online', 'counter', 'post'];
const UNITS = ['working_days', 'working_hours', 'days'];
const KB = (n) => `${Math.max(1, Math.round(n / 1024))} KB`;

const emptyCase = () => ({ name: '', name_en: '', times: [{ channel: 'counter', unit: 'working_days', amount: 1, same_day: false }], fees: [] });
const emptyComponent = () => ({ name: '', form: 'original', count: 1, required: true, from_state_data: false, template: null });
const emptyDoc = () => ({
  code: '', name: '', name_en: '', field: '', field_en: '', level: 'province', service_level: 'mot_phan', legacy_level: null,
  agency: '', receiving: [], cases: [emptyCase()], components: [], results: [], legal_basis: [], effective_from: '', steps: [],
});

// The document as the form edits it (text for lists), and back.
function toForm(p) {
  return { ...emptyDoc(), ...p, agency: p.agency || '', receivingText: (p.receiving || []).join(', '), resultsText: (p.results || []).join('\n') };
}
function fromForm(f) {
  const { receivingText, resultsText, ...doc } = f;
  return {
    ...doc,
    name_en: doc.name_en || null,
    field_en: doc.field_en || null,
    agency: doc.level === 'commune' ? null : (doc.agency.trim() || null),
    legacy_level: doc.legacy_level ? Number(doc.legacy_level) : null,
    receiving: receivingText.split(/[,\s]+/).filter(Boolean),
    results: resultsText.split('\n').map((s) => s.trim()).filter(Boolean),
    cases: doc.cases.map((c) => ({ ...c, name_en: c.name_en || null, times: c.times.map((tm) => ({ ...tm, amount: Number(tm.amount) })), fees: c.fees.map((fee) => ({ ...fee, amount_vnd: fee.amount_vnd === '' || fee.amount_vnd === null ? null : Number(fee.amount_vnd) })) })),
    components: doc.components.map((c) => ({ ...c, count: Number(c.count), template: c.template ? c.template.sha256 : null })),
  };
}

// set(path, value) on a nested object, immutably: set(doc, ['cases', 0, 'name'], 'x')
function setIn(obj, path, v) {
  if (!path.length) return v;
  const [k, ...rest] = path;
  const copy = Array.isArray(obj) ? [...obj] : { ...obj };
  copy[k] = setIn(obj[k], rest, v);
  return copy;
}
const pathName = (path) => path.reduce((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

function Check({ id, label, checked, onChange }) {
  return (
    <p class="check-row">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </p>
  );
}

function TemplateField({ id, value, onChange, error }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);
  const onFile = async (e) => {
    const input = e.currentTarget; /* gone from the event once it is awaited */
    const file = input.files[0];
    if (!file) return;
    setBusy(true);
    setProblem(null);
    try {
      const f = await upload(`/api/v1/templates?filename=${encodeURIComponent(file.name)}`, file);
      onChange({ sha256: f.sha256, filename: f.filename, media_type: f.media_type, size: f.size });
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
      input.value = '';
    }
  };
  return (
    <div class={error || problem ? 'field field-invalid' : 'field'}>
      <label for={id}>{t('pedit.template')}</label>
      <p class="hint" id={`${id}-hint`}>{value ? t('pedit.templateNow', { name: value.filename, size: KB(value.size) }) : t('pedit.templateNone')} {t('pedit.templateHint')}</p>
      {(error || problem) && <p class="field-error" id={`${id}-error`} role="alert">{error || (problem instanceof ApiError ? problem.detail || problem.title : t('error.network'))}</p>}
      <input id={id} type="file" accept=".pdf,.doc,.docx,.xlsx" aria-describedby={`${id}-hint`} disabled={busy} onChange={onFile} />
      {value && <button type="button" class="btn btn-link" onClick={() => onChange(null)}>{t('pedit.templateRemove')}</button>}
    </div>
  );
}

function Editor({ initial, code, base }) {
  const { values: f, setValues: setF, errors, problem, busy, submit } = useForm(toForm(initial));
  const at = (...path) => ({ value: path.reduce((o, k) => o?.[k], f), error: errors[pathName(path)], onInput: (v) => setF((s) => setIn(s, path, v)) });
  const upd = (path, v) => setF((s) => setIn(s, path, v));
  const onSubmit = (e) => {
    e.preventDefault();
    submit(async (v) => {
      const doc = fromForm(v);
      const r = code ? await put(`/api/v1/procedures/${encodeURIComponent(code)}`, { ...doc, base_version: base })
        : await post('/api/v1/procedures', doc);
      navigate(`/procedures/${r.code}`, { saved: r.version });
    });
  };
  return (
    <form class="form proc-editor" onSubmit={onSubmit} noValidate>
      <Problem error={problem} fields={Object.keys(errors).filter((k) => k !== 'receiving' && k !== 'results')} />
      <fieldset>
        <legend>{t('pedit.general')}</legend>
        {!code && <Field name="code" label={t('proc.code')} hint={t('pedit.codeHint')} required {...at('code')} />}
        <Field name="name" label={t('pedit.name')} required {...at('name')} />
        <Field name="name_en" label={t('pedit.nameEn')} {...at('name_en')} />
        <Field name="field" label={t('proc.field')} required {...at('field')} />
        <Field name="field_en" label={t('pedit.fieldEn')} {...at('field_en')} />
        <Field name="level" as="select" label={t('proc.level')} options={['province', 'commune'].map((l) => ({ value: l, label: t('proc.level.' + l) }))} {...at('level')} />
        <Field name="service_level" as="select" label={t('proc.serviceLevel')} options={['toan_trinh', 'mot_phan'].map((l) => ({ value: l, label: t('proc.sl.' + l) }))} {...at('service_level')} />
        {f.level === 'province' && <Field name="agency" label={t('pedit.agency')} hint={t('pedit.agencyHint')} required {...at('agency')} />}
        <Field name="receiving" label={t('proc.where')} hint={t('pedit.receivingHint')} {...at('receivingText')} error={errors.receiving} />
        <Field name="effective_from" type="date" label={t('pedit.from')} hint={code ? t('pedit.fromHintEdit') : undefined} required {...at('effective_from')} />
      </fieldset>

      <h2>{t('proc.cases')}</h2>
      {f.cases.map((c, i) => (
        <fieldset key={i} class="card proc-case">
          <legend>{t('pedit.case', { n: i + 1 })}</legend>
          <Field name={`case${i}-name`} label={t('pedit.caseName')} required {...at('cases', i, 'name')} />
          <Field name={`case${i}-name_en`} label={t('pedit.nameEn')} {...at('cases', i, 'name_en')} />
          {errors[`cases[${i}].times`] && <p class="field-error" role="alert">{errors[`cases[${i}].times`]}</p>}
          {c.times.map((tm, k) => (
            <div key={k} class="row-fields">
              <Field name={`case${i}-t${k}-channel`} as="select" label={t('pedit.channel')} options={CHANNELS.map((ch) => ({ value: ch, label: t('proc.channel.' + ch) }))} {...at('cases', i, 'times', k, 'channel')} />
              <Field name={`case${i}-t${k}-amount`} type="number" min="1" label={t('pedit.amount')} {...at('cases', i, 'times', k, 'amount')} />
              <Field name={`case${i}-t${k}-unit`} as="select" label={t('pedit.unit')} options={UNITS.map((u) => ({ value: u, label: t('pedit.unit.' + u) }))} {...at('cases', i, 'times', k, 'unit')} />
              <Check id={`f-case${i}-t${k}-same`} label={t('proc.sameDayBadge')} checked={tm.same_day} onChange={(v) => upd(['cases', i, 'times', k, 'same_day'], v)} />
              <button type="button" class="btn btn-link" onClick={() => upd(['cases', i, 'times'], c.times.filter((_, j) => j !== k))}>{t('pedit.removeTime')}</button>
            </div>
          ))}
          <button type="button" class="btn" onClick={() => upd(['cases', i, 'times'], [...c.times, { channel: 'online', unit: 'working_days', amount: 1, same_day: false }])}>{t('pedit.addTime')}</button>
          <h3>{t('proc.fees')}</h3>
          {c.fees.map((fee, k) => (
            <div key={k} class="row-fields">
              <Field name={`case${i}-f${k}-name`} label={t('pedit.feeName')} {...at('cases', i, 'fees', k, 'name')} />
              <Field name={`case${i}-f${k}-kind`} as="select" label={t('pedit.feeKind')} options={['fee', 'charge'].map((k2) => ({ value: k2, label: t('pedit.fee.' + k2) }))} {...at('cases', i, 'fees', k, 'kind')} />
              <Field name={`case${i}-f${k}-amount`} type="number" min="0" label={t('pedit.feeAmount')} {...at('cases', i, 'fees', k, 'amount_vnd')} />
              <Field name={`case${i}-f${k}-ref`} label={t('pedit.feeRef')} {...at('cases', i, 'fees', k, 'ref')} />
              <button type="button" class="btn btn-link" onClick={() => upd(['cases', i, 'fees'], c.fees.filter((_, j) => j !== k))}>{t('pedit.removeFee')}</button>
            </div>
          ))}
          <button type="button" class="btn" onClick={() => upd(['cases', i, 'fees'], [...c.fees, { name: '', kind: 'fee', amount_vnd: 0, ref: '' }])}>{t('pedit.addFee')}</button>
          {f.cases.length > 1 && <p><button type="button" class="btn btn-link" onClick={() => upd(['cases'], f.cases.filter((_, j) => j !== i))}>{t('pedit.removeCase')}</button></p>}
        </fieldset>
      ))}
      <p><button type="button" class="btn" onClick={() => upd(['cases'], [...f.cases, emptyCase()])}>{t('pedit.addCase')}</button></p>

      <h2>{t('proc.components')}</h2>
      {f.components.map((c, i) => (
        <fieldset key={i} class="card proc-case">
          <legend>{t('pedit.component', { n: i + 1 })}</legend>
          <Field name={`comp${i}-name`} label={t('proc.component')} required {...at('components', i, 'name')} />
          <div class="row-fields">
            <Field name={`comp${i}-form`} as="select" label={t('proc.form')} options={['original', 'copy', 'either'].map((k) => ({ value: k, label: t('proc.form.' + k) }))} {...at('components', i, 'form')} />
            <Field name={`comp${i}-count`} type="number" min="1" max="20" label={t('proc.countCol')} {...at('components', i, 'count')} />
          </div>
          <Check id={`f-comp${i}-required`} label={t('proc.required')} checked={c.required} onChange={(v) => upd(['components', i, 'required'], v)} />
          <Check id={`f-comp${i}-state`} label={t('pedit.fromState')} checked={c.from_state_data} onChange={(v) => upd(['components', i, 'from_state_data'], v)} />
          <TemplateField id={`f-comp${i}-template`} value={c.template} error={errors[`components[${i}].template`]} onChange={(v) => upd(['components', i, 'template'], v)} />
          <button type="button" class="btn btn-link" onClick={() => upd(['components'], f.components.filter((_, j) => j !== i))}>{t('pedit.removeComponent')}</button>
        </fieldset>
      ))}
      <p><button type="button" class="btn" onClick={() => upd(['components'], [...f.components, emptyComponent()])}>{t('pedit.addComponent')}</button></p>

      <h2>{t('proc.results')}</h2>
      <Field name="results" as="textarea" rows="3" label={t('pedit.results')} hint={t('pedit.linesHint')} {...at('resultsText')} error={errors.results} />

      <h2>{t('proc.legal')}</h2>
      {f.legal_basis.map((l, i) => (
        <div key={i} class="row-fields">
          <Field name={`law${i}-ref`} label={t('pedit.lawRef')} {...at('legal_basis', i, 'ref')} />
          <Field name={`law${i}-title`} label={t('pedit.lawTitle')} {...at('legal_basis', i, 'title')} />
          <Field name={`law${i}-date`} type="date" label={t('pedit.lawDate')} {...at('legal_basis', i, 'date')} />
          <button type="button" class="btn btn-link" onClick={() => upd(['legal_basis'], f.legal_basis.filter((_, j) => j !== i))}>{t('pedit.removeLaw')}</button>
        </div>
      ))}
      <p><button type="button" class="btn" onClick={() => upd(['legal_basis'], [...f.legal_basis, { ref: '', title: '', date: null }])}>{t('pedit.addLaw')}</button></p>
      {f.steps.length > 0 && <p class="hint">{t('pedit.steps', { n: f.steps.length })}</p>}

      <p class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>{code ? t('pedit.saveVersion') : t('pedit.create')}</button>{' '}
        <Link to={code ? `/procedures/${code}` : '/procedures'}>{t('pedit.cancel')}</Link>
      </p>
    </form>
  );
}

export function ProcedureNewPage() {
  return (
    <Page title={t('pedit.newTitle')} wide>
      <p class="lead measure">{t('pedit.newLead')}</p>
      <Editor initial={emptyDoc()} />
    </Page>
  );
}

export function ProcedureEditPage({ code }) {
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/procedures/${encodeURIComponent(code)}`), [code]);
  if (loading && !data) return <Page title={t('pedit.editTitle')}><Loading /></Page>;
  if (error) return <Page title={t('pedit.editTitle')}><LoadError error={error} retry={reload} /></Page>;
  return (
    <Page title={t('pedit.editTitleOf', { name: data.procedure.name })} wide>
      <nav class="crumbs" aria-label={t('proc.crumbs')}><ol><li><Link to="/procedures">{t('proc.title')}</Link></li><li><Link to={`/procedures/${code}`}>{data.procedure.name}</Link></li></ol></nav>
      <p class="lead measure">{t('pedit.editLead', { v: data.version })}</p>
      <Editor key={data.version} initial={data.procedure} code={code} base={data.version} />
    </Page>
  );
}
