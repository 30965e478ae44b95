// router.js — a tiny hash router: #/path?query. The server serves files by name
// only, so the app's own routes live after the '#'.
import { useEffect, useState } from 'preact/hooks';

export function parse(hash = location.hash) {
  let h = hash.replace(/^#/, '') || '/';
  if (h[0] !== '/') h = '/' + h;
  const i = h.indexOf('?');
  const path = i < 0 ? h : h.slice(0, i);
  const query = Object.fromEntries(new URLSearchParams(i < 0 ? '' : h.slice(i + 1)));
  return { path: path.replace(/\/+$/, '') || '/', query, full: h };
}

export function href(path, query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  return '#' + path + (q ? '?' + q : '');
}

export function navigate(path, query, { replace = false } = {}) {
  const h = href(path, query);
  if (replace) {
    history.replaceState(null, '', h);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = h;
  }
}

export function useRoute() {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const f = () => setRoute(parse());
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return route;
}

// match('/agencies/:code', '/agencies/000.00.03.H06') -> { code: '000.00.03.H06' }
export function match(pattern, path) {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const params = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) {
      if (!b[i]) return null;
      params[a[i].slice(1)] = decodeURIComponent(b[i]);
    } else if (a[i] !== b[i]) return null;
  }
  return params;
}
