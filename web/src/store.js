// store.js — the signed-in principal (GET /api/v1/me) shared by every page.
import { useEffect, useState } from 'preact/hooks';
import { get, post, setCsrf, setOnUnauthenticated, ApiError } from './api.js';

const state = { me: null, loaded: false };
const listeners = new Set();

function emit() {
  listeners.forEach((f) => f());
}

export function useSession() {
  const [, force] = useState(0);
  useEffect(() => {
    const f = () => force((n) => n + 1);
    listeners.add(f);
    // GET /api/v1/me may have answered between the first render and this
    // effect: without a re-render the page would stay on "Loading…"
    if (state.loaded) f();
    return () => listeners.delete(f);
  }, []);
  return state;
}

export const currentMe = () => state.me;

export function setMe(me) {
  state.me = me;
  state.loaded = true;
  setCsrf(me?.csrf_token);
  emit();
}

export async function loadMe() {
  try {
    setMe(await get('/api/v1/me', { quiet401: true }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) setMe(null);
    else {
      state.loaded = true;
      emit();
    }
  }
}

// then(me): runs before the new session is published, so that a page can
// navigate first (one render, no redirect from the page being left)
// An account with a second factor answers {mfa_required, challenge} and no
// session: returned as it is, for the second step (signedIn then).
export async function login(username, password, then) {
  const me = await post('/api/v1/auth/login', { username, password }, { quiet401: true });
  if (me?.mfa_required) return me;
  signedIn(me, then);
  return me;
}

// A sign-in that opened a session (after one step or two).
export function signedIn(me, then) {
  if (then) then(me);
  setMe(me);
}

// Where a restricted session must go first (decisions §29), or null.
export function mustGo(me) {
  if (me?.restricted === 'password_change') return '/account';
  if (me?.restricted === 'mfa_enrol') return '/security';
  return null;
}

export async function logout(then) {
  try {
    await post('/api/v1/auth/logout', undefined, { quiet401: true });
  } catch { /* the session is gone either way */ }
  if (then) then();
  setMe(null);
}

// A 401 from any call: the session expired or was ended elsewhere.
setOnUnauthenticated(() => {
  if (state.me) setMe(null);
});

// --- roles ---
export const grants = (me) => (me && Array.isArray(me.grants) ? me.grants : []);
export const isSystemAdmin = (me) => grants(me).some((g) => g.role === 'system_admin');
export const isAgencyAdmin = (me) => grants(me).some((g) => g.role === 'agency_admin' || g.role === 'system_admin');
// agency admin of `code` or of one of its ancestors (`parents`: [{code}])
export function canAdminAgency(me, code, parents = []) {
  if (isSystemAdmin(me)) return true;
  const chain = new Set([code, ...parents.map((p) => p.code)]);
  return grants(me).some((g) => g.role === 'agency_admin' && chain.has(g.agency_code));
}
