// calendar.jsx — the working calendar (public): a year of twelve months with
// the days off, swapped days and the lunar date under each solar one
// (GET /api/v1/calendar/{year}), the list of holidays with their legal basis,
// and a deadline calculator (GET /api/v1/calendar/deadline).
import { useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { get, put, qs, ApiError } from '../api.js';
import { useSession, isSystemAdmin } from '../store.js';
import { navigate } from '../router.js';
import { Page, Link, Loading, LoadError, Field, Problem, Alert, useForm, useLoad } from '../ui.jsx';

const MONTHS = 12;
const OFF = new Set(['weekly_off', 'holiday', 'compensatory', 'swap_off']);

// Weeks start on Monday, as Vietnamese calendars print them.
function monthCells(days, month) {
  const inMonth = days.filter((d) => Number(d.date.slice(5, 7)) === month);
  const first = new Date(inMonth[0].date + 'T00:00:00Z').getUTCDay(); // 0 Sunday
  const lead = (first + 6) % 7;
  return [...Array(lead).fill(null), ...inMonth];
}

function lunarLabel(l) {
  if (!l) return '';
  return l.day === 1 ? `${l.day}/${l.month}${l.leap ? t('cal.leapShort') : ''}` : String(l.day);
}

function Month({ days, month, year }) {
  const cells = monthCells(days, month);
  const names = t('cal.weekdays').split(',');
  const title = t('cal.month', { m: month, y: year });
  return (
    <section class="cal-month" aria-label={title}>
      <h3>{title}</h3>
      <table class="cal-grid">
        <thead>
          <tr>{names.map((n) => <th key={n} scope="col" abbr={n}>{n}</th>)}</tr>
        </thead>
        <tbody>
          {Array.from({ length: Math.ceil(cells.length / 7) }, (_, w) => (
            <tr key={w}>
              {cells.slice(w * 7, w * 7 + 7).map((d, i) => d ? (
                <td key={d.date} class={'cal-day ' + d.kind}>
                  <span class="solar">{Number(d.date.slice(8))}</span>
                  <span class="lunar" aria-label={t('cal.lunarOf', { d: d.lunar?.day, m: d.lunar?.month })}>{lunarLabel(d.lunar)}</span>
                  {d.kind !== 'working' && d.kind !== 'weekly_off' && <span class="visually-hidden">{t('cal.kind.' + d.kind)}</span>}
                </td>
              ) : <td key={'e' + i} class="cal-empty" />)}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Legend() {
  return (
    <ul class="cal-legend">
      {['holiday', 'compensatory', 'swap_off', 'swap_work', 'weekly_off'].map((k) => (
        <li key={k}><span class={'swatch ' + k} aria-hidden="true" />{t('cal.kind.' + k)}</li>
      ))}
    </ul>
  );
}

function fmtDay(iso) {
  const d = new Date(iso + 'T00:00:00Z');
  return d.toLocaleDateString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

function fmtDue(s) {
  if (!s) return '—';
  const d = new Date(s);
  return d.toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Ho_Chi_Minh' });
}

function Deadline() {
  const f = useForm({ from: '', amount: '15', unit: 'working_days', same_day: false });
  const [answer, setAnswer] = useState(null);
  const onSubmit = (e) => {
    e.preventDefault();
    f.submit(async (v) => {
      const r = await get('/api/v1/calendar/deadline' + qs({ from: v.from, [v.unit]: v.amount, same_day: v.same_day ? 'true' : undefined }));
      setAnswer(r);
    }, (v) => (v.from ? {} : { from: t('form.required') }));
  };
  return (
    <section aria-labelledby="cal-deadline">
      <h2 id="cal-deadline">{t('cal.deadline.title')}</h2>
      <p class="measure">{t('cal.deadline.lead')}</p>
      <form class="form cal-deadline" onSubmit={onSubmit} noValidate>
        <Problem error={f.problem} />
        <Field name="from" type="datetime-local" label={t('cal.deadline.from')} value={f.values.from} onInput={f.set('from')} error={f.errors.from} required />
        <Field name="amount" type="number" min="1" max="3650" label={t('cal.deadline.amount')} value={f.values.amount} onInput={f.set('amount')}
          error={f.errors.working_days || f.errors.working_hours || f.errors.days} required />
        <Field name="unit" as="select" label={t('cal.deadline.unit')} value={f.values.unit} onInput={f.set('unit')}
          options={['working_days', 'working_hours', 'days'].map((u) => ({ value: u, label: t('cal.unit.' + u) }))} />
        <p class="check-row">
          <input id="same_day" type="checkbox" checked={f.values.same_day} onChange={(e) => f.set('same_day')(e.currentTarget.checked)} />
          <label for="same_day">{t('cal.deadline.sameDay')}</label>
        </p>
        <button type="submit" class="btn" disabled={f.busy}>{t('cal.deadline.go')}</button>
      </form>
      {answer && (
        <div role="status">
          <dl class="facts">
            <dt>{t('cal.deadline.counted')}</dt><dd>{fmtDue(answer.counted_from)}</dd>
            <dt>{t('cal.deadline.due')}</dt><dd><strong>{fmtDue(answer.due)}</strong></dd>
          </dl>
        </div>
      )}
    </section>
  );
}

const KINDS = ['holiday', 'compensatory', 'swap_off', 'swap_work'];
const blankDay = () => ({ date: '', kind: 'holiday', name: '', name_en: '', ref: '' });

// The system administrator's editor of a year's official schedule: the rows
// start from what the year has now; saving makes them the year's schedule.
// The page keeps the saved version (saved): the editor is remade from the
// reloaded year, and the confirmation must outlive that.
function ScheduleEditor({ year, entries, saved, onSaved }) {
  const [rows, setRows] = useState(() => (entries.length ? entries.map((e) => ({ ...e })) : [blankDay()]));
  const [retro, setRetro] = useState(false);
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (i, k) => (v) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const onSubmit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setErrors({});
    onSaved(null);
    try {
      const r = await put(`/api/v1/calendar/${year}/schedule`, { days: rows, retroactive: retro });
      onSaved(r.version);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="cal-editor" class="cal-editor">
      <h2 id="cal-editor">{t('cal.edit.title', { y: year })}</h2>
      <p class="measure">{t('cal.edit.lead')}</p>
      <form class="form" onSubmit={onSubmit} noValidate>
        <Problem error={problem} />
        {saved && <Alert kind="success" focusOn={saved}>{t('cal.edit.saved', { v: saved })}</Alert>}
        <ol class="cal-rows">
          {rows.map((r, i) => (
            <li key={i}>
              <fieldset>
                <legend>{t('cal.edit.row', { n: i + 1 })}</legend>
                <Field name={`d${i}-date`} type="date" label={t('cal.date')} value={r.date} onInput={set(i, 'date')} error={errors[`days[${i}].date`]} required />
                <Field name={`d${i}-kind`} as="select" label={t('cal.kind')} value={r.kind} onInput={set(i, 'kind')} error={errors[`days[${i}].kind`]}
                  options={KINDS.map((k) => ({ value: k, label: t('cal.kind.' + k) }))} />
                <Field name={`d${i}-name`} label={t('cal.edit.name')} value={r.name} onInput={set(i, 'name')} error={errors[`days[${i}].name`]} required />
                <Field name={`d${i}-name_en`} label={t('cal.edit.nameEn')} value={r.name_en} onInput={set(i, 'name_en')} error={errors[`days[${i}].name_en`]} required />
                <Field name={`d${i}-ref`} label={t('cal.ref')} value={r.ref} onInput={set(i, 'ref')} error={errors[`days[${i}].ref`]} required />
                <button type="button" class="btn btn-small" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>{t('cal.edit.remove', { n: i + 1 })}</button>
              </fieldset>
            </li>
          ))}
        </ol>
        <p><button type="button" class="btn" onClick={() => setRows((rs) => [...rs, blankDay()])}>{t('cal.edit.add')}</button></p>
        <p class="check-row">
          <input id="retroactive" type="checkbox" checked={retro} onChange={(e) => setRetro(e.currentTarget.checked)} />
          <label for="retroactive">{t('cal.edit.retro')}</label>
        </p>
        <button type="submit" class="btn btn-primary" disabled={busy}>{t('cal.edit.save', { y: year })}</button>
      </form>
    </section>
  );
}

export function CalendarPage({ year: y }) {
  const year = Number(y) || new Date().getFullYear();
  const { data, error, loading, reload } = useLoad(() => get(`/api/v1/calendar/${year}`), [year]);
  const { me } = useSession();
  const [saved, setSaved] = useState(null); // {year, version} of the editor's last save
  const onSaved = (version) => {
    setSaved(version ? { year, version } : null);
    if (version) reload();
  };
  return (
    <Page title={t('cal.title', { y: year })} wide>
      <nav class="cal-years" aria-label={t('cal.years')}>
        <Link to={`/calendar/${year - 1}`}>← {year - 1}</Link>
        <span aria-current="page">{year}{data ? ` — ${t('cal.yearName', { name: data.year_name })}` : ''}</span>
        <Link to={`/calendar/${year + 1}`}>{year + 1} →</Link>
      </nav>
      {loading && <Loading />}
      {error && <LoadError error={error} retry={reload} />}
      {data && (
        <>
          <p class="measure">{data.source === 'official' ? t('cal.source.official') : t('cal.source.baseline')}</p>
          <Legend />
          <div class="cal-months">
            {Array.from({ length: MONTHS }, (_, i) => <Month key={i} days={data.days} month={i + 1} year={year} />)}
          </div>
          <h2>{t('cal.entries')}</h2>
          {data.entries.length === 0 ? <p>{t('cal.noEntries')}</p> : (
            <ul class="cal-entries">
              {data.entries.map((e) => (
                <li key={e.date} class={e.kind}>
                  <time dateTime={e.date}>{fmtDay(e.date)}</time>
                  <span class="what">{lang() === 'vi' ? e.name : e.name_en}</span>
                  <span class="kind">{t('cal.kind.' + e.kind)}</span>
                  <span class="ref">{t('cal.ref')}: {e.ref}</span>
                </li>
              ))}
            </ul>
          )}
          <p>{t('cal.hours', { hours: (data.working_hours[1] || []).join(', ') })}</p>
          {isSystemAdmin(me) && <ScheduleEditor key={`${year}-${data.schedule_version}`} year={year} entries={data.entries}
            saved={saved?.year === year ? saved.version : null} onSaved={onSaved} />}
        </>
      )}
      <Deadline />
    </Page>
  );
}

export function CalendarTodayPage() {
  navigate(`/calendar/${new Date().getFullYear()}`, null, { replace: true });
  return <Loading />;
}
