// ui.jsx — shared building blocks: page frame, labelled fields with their error
// messages (aria-describedby), alerts, the problem summary of a form.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './i18n.js';
import { ApiError } from './api.js';
import { href } from './router.js';

// One page: sets the document title and, when the user moved from another page,
// moves focus to the heading (screen readers announce the new page; Tab continues
// from there). The first page of a visit leaves the focus at the top, where the
// skip link is.
let firstPage = true;
export function Page({ title, children, wide }) {
  const h = useRef(null);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else if (h.current) h.current.focus();
  }, []);
  useEffect(() => {
    document.title = title === t('app.name') ? title : `${title} — ${t('app.name')}`;
  }, [title]);
  return (
    <div class={wide ? 'page page-wide' : 'page'}>
      <h1 tabIndex={-1} ref={h}>{title}</h1>
      {children}
    </div>
  );
}

export function Link({ to, query, children, ...rest }) {
  return <a href={href(to, query)} {...rest}>{children}</a>;
}

// focusOn: when given, the alert takes the focus whenever this value changes
export function Alert({ kind = 'info', children, focusOn }) {
  const r = useRef(null);
  const focus = focusOn !== undefined;
  useEffect(() => {
    if (focus && r.current) r.current.focus();
  }, [focusOn]);
  const role = kind === 'error' ? 'alert' : 'status';
  return <div ref={r} tabIndex={focus ? -1 : undefined} class={`alert alert-${kind}`} role={role}>{children}</div>;
}

// The top-of-form message for a failed request: the problem's detail, plus any
// field errors that have no field on this form.
export function Problem({ error, fields = [] }) {
  if (!error) return null;
  let text;
  if (!(error instanceof ApiError)) text = error.message || t('error.generic');
  else if (error.network) text = t('error.network');
  else text = error.detail || error.title || t('error.generic');
  const extra = error instanceof ApiError ? error.errors.filter((e) => e && !fields.includes(e.field)) : [];
  return (
    <Alert kind="error" focusOn={error}>
      <p class="alert-title">{text}</p>
      {extra.length > 0 && (
        <ul>{extra.map((e) => <li key={e.field}>{e.field ? `${e.field}: ` : ''}{e.message}</li>)}</ul>
      )}
      {error.requestId && <p class="alert-meta">{t('error.requestId', { id: error.requestId })}</p>}
    </Alert>
  );
}

export function Field({ name, label, hint, error, type = 'text', value, onInput, required, as, options, ...rest }) {
  const id = `f-${name}`;
  const hintId = hint ? `${id}-hint` : null;
  const errId = error ? `${id}-error` : null;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name,
    'aria-describedby': describedBy,
    'aria-invalid': error ? 'true' : undefined,
    required,
    value: value ?? '',
    ...rest,
  };
  let control;
  if (as === 'select') {
    control = (
      <select {...common} onChange={(e) => onInput(e.currentTarget.value)}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    );
  } else if (as === 'textarea') {
    control = <textarea {...common} onInput={(e) => onInput(e.currentTarget.value)} />;
  } else {
    control = <input type={type} {...common} onInput={(e) => onInput(e.currentTarget.value)} />;
  }
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}{required && <span class="req" aria-hidden="true"> *</span>}</label>
      {hint && <p class="hint" id={hintId}>{hint}</p>}
      {error && <p class="field-error" id={errId}>{error}</p>}
      {control}
    </div>
  );
}

// Form state: values, per-field errors, the request's problem, busy flag.
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setValues((s) => ({ ...s, [k]: v }));
  async function submit(fn, check) {
    setProblem(null);
    const local = check ? check(values) : {};
    if (Object.keys(local).length) {
      setErrors(local);
      setProblem(new Error(t('form.fix')));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await fn(values);
    } catch (e) {
      if (e instanceof ApiError) setErrors(e.fieldErrors());
      setProblem(e);
    } finally {
      setBusy(false);
    }
  }
  return { values, setValues, set, errors, problem, busy, submit, setProblem };
}

// required fields check: returns { field: message }
export function requireFields(values, names) {
  const out = {};
  for (const n of names) if (!String(values[n] ?? '').trim()) out[n] = t('form.required');
  return out;
}

export function Loading() {
  return <p class="loading" role="status">{t('app.loading')}</p>;
}

export function Forbidden() {
  return (
    <Page title={t('forbidden.title')}>
      <div class="forbidden">
        <p class="big-code" aria-hidden="true">403</p>
        <p>{t('forbidden.body')}</p>
        <p><Link to="/">{t('soon.back')}</Link></p>
      </div>
    </Page>
  );
}

export function NotFound() {
  return (
    <Page title={t('notfound.title')}>
      <p>{t('notfound.body')}</p>
      <p><Link to="/">{t('soon.back')}</Link></p>
    </Page>
  );
}

// A failed load: 403 -> the forbidden page, anything else -> the message and a retry.
export function LoadError({ error, retry }) {
  if (error instanceof ApiError && error.status === 403) return <Forbidden />;
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  return (
    <div>
      <Problem error={error} />
      {retry && <button type="button" class="btn" onClick={retry}>{t('error.retry')}</button>}
    </div>
  );
}

// Load data for a page: { data, error, loading, reload }
export function useLoad(fn, deps) {
  const [st, setSt] = useState({ data: null, error: null, loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setSt((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setSt({ data, error: null, loading: false }),
      (error) => live && setSt({ data: null, error, loading: false }),
    );
    return () => { live = false; };
  }, [...deps, n]);
  return { ...st, reload: () => setN((x) => x + 1) };
}
