// An agency's working hours on its page: what holds today (its own, an
// ancestor's, or the province's default), its versions, and for its
// administrators a form that adds a version from a day on (never before
// today: deadlines already counted keep their hours).
import { useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { get, put, ApiError } from '../api.js';
import { Field, Problem, Alert, Loading, LoadError, useLoad } from '../ui.jsx';

// Monday first on screen; the API lists Sunday first.
const ORDER = [1, 2, 3, 4, 5, 6, 0];
const dayName = (wd) => t('hours.day.' + wd);

// Today and later days in Vietnam, as the server counts them.
const vnDay = (plus = 0) => new Date(Date.now() + 7 * 3600e3 + plus * 86400e3).toISOString().slice(0, 10);
const fmtDay = (iso) => new Date(iso + 'T00:00:00Z').toLocaleDateString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' });
const periods = (day) => (day.length ? day.map((p) => p.replace('-', '–')).join(', ') : t('hours.closed'));

function HoursTable({ hours, caption }) {
  return (
    <div class="table-wrap hours-wrap"><table class="table hours-table">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">{t('hours.col.day')}</th><th scope="col">{t('hours.col.periods')}</th></tr></thead>
      <tbody>
        {ORDER.map((wd) => (
          <tr key={wd} class={hours[wd].length ? '' : 'closed'}>
            <th scope="row">{dayName(wd)}</th>
            <td>{hours[wd].length ? hours[wd].map((p, i) => <>{i > 0 && ', '}<span class="nowrap">{p.replace('-', '–')}</span></>) : t('hours.closed')}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}

// "07:30-11:30, 13:00-17:00" <-> ["07:30-11:30", "13:00-17:00"]
const toText = (day) => day.join(', ');
const fromText = (s) => s.split(/[,;]/).map((p) => p.trim().replace(/\s*[–—-]\s*/, '-')).filter(Boolean);

function HoursEditor({ code, current, onSaved }) {
  const [from, setFrom] = useState(vnDay(1));
  const [days, setDays] = useState(() => current.map(toText));
  const [inherit, setInherit] = useState(false);
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  // a day's field shows its own error and its periods' errors
  const dayError = (wd) => [errors[`working_hours[${wd}]`], errors[`working_hours[${wd}][0]`], errors[`working_hours[${wd}][1]`]].filter(Boolean).join(' ') || undefined;
  const onSubmit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setErrors({});
    try {
      const r = await put(`/api/v1/agencies/${encodeURIComponent(code)}/working-hours`, {
        effective_from: from, working_hours: inherit ? null : days.map(fromText),
      });
      onSaved(r.effective_from);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form hours-editor" onSubmit={onSubmit} noValidate aria-labelledby="hours-edit">
      <h3 id="hours-edit">{t('hours.edit.title')}</h3>
      <p class="measure">{t('hours.edit.lead')}</p>
      <Problem error={problem} />
      <Field name="h-from" type="date" label={t('hours.edit.from')} hint={t('hours.edit.fromHint')} min={vnDay()} value={from} onInput={setFrom}
        error={errors.effective_from} required />
      <p class="check-row">
        <input id="h-inherit" type="checkbox" checked={inherit} onChange={(e) => setInherit(e.currentTarget.checked)} />
        <label for="h-inherit">{t('hours.edit.inherit')}</label>
      </p>
      {!inherit && (
        <fieldset>
          <legend>{t('hours.edit.days')}</legend>
          <p class="hint" id="h-days-hint">{t('hours.edit.daysHint')}</p>
          {ORDER.map((wd) => (
            <Field key={wd} name={`h-day${wd}`} label={dayName(wd)} value={days[wd]}
              onInput={(v) => setDays((ds) => ds.map((d, i) => (i === wd ? v : d)))} error={dayError(wd)} />
          ))}
          {errors.working_hours && <p class="field-error" role="alert">{errors.working_hours}</p>}
        </fieldset>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy}>{t('hours.edit.save')}</button>
    </form>
  );
}

export function AgencyHours({ code, admin }) {
  const { data: h, error, loading, reload } = useLoad(() => get(`/api/v1/agencies/${encodeURIComponent(code)}/working-hours`), [code]);
  const [saved, setSaved] = useState(null);
  const [editing, setEditing] = useState(false);
  const source = h && (h.source_agency === null ? t('hours.source.default')
    : h.source_agency === code ? t('hours.source.own', { d: fmtDay(h.effective_from) })
      : t('hours.source.parent', { c: h.source_agency, d: fmtDay(h.effective_from) }));
  const upcoming = h ? h.versions.filter((v) => v.effective_from > h.at) : [];
  return (
    <section aria-labelledby="hours-title" class="agency-hours">
      <h2 id="hours-title">{t('hours.title')}</h2>
      {loading && !h && <Loading />}
      {error && <LoadError error={error} retry={reload} />}
      {h && (
        <>
          {saved && <Alert kind="success" focusOn={saved}>{t('hours.saved', { d: fmtDay(saved) })}</Alert>}
          <p>{source}</p>
          <HoursTable hours={h.working_hours} caption={t('hours.caption', { d: fmtDay(h.at) })} />
          <p class="hint">{t('hours.law')}</p>
          {upcoming.length > 0 && (
            <>
              <h3>{t('hours.upcoming')}</h3>
              <ul class="hours-upcoming">
                {upcoming.map((v) => (
                  <li key={v.effective_from}>
                    <strong>{t('hours.from', { d: fmtDay(v.effective_from) })}</strong>{' '}
                    {v.working_hours === null ? t('hours.inherit') : ORDER.filter((wd) => v.working_hours[wd].length).map((wd) => `${dayName(wd)}: ${periods(v.working_hours[wd])}`).join('; ')}
                  </li>
                ))}
              </ul>
            </>
          )}
          {admin && !editing && <p><button type="button" class="btn" onClick={() => { setSaved(null); setEditing(true); }}>{t('hours.edit.open')}</button></p>}
          {admin && editing && <HoursEditor code={code} current={h.working_hours}
            onSaved={(d) => { setSaved(d); setEditing(false); reload(); }} />}
        </>
      )}
    </section>
  );
}
