// main.jsx — the application shell (header, navigation, language switch, sign-out)
// and the route table.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './app.css';
import { t, lang, setLang, onLang } from './i18n.js';
import { useRoute, match, navigate, href } from './router.js';
import { useSession, loadMe, logout, isAgencyAdmin, mustGo } from './store.js';
import { Loading, Forbidden, NotFound } from './ui.jsx';
import { HomePage, SoonPage, SERVICES } from './pages/home.jsx';
import { LoginPage, RegisterPage, AccountPage } from './pages/auth.jsx';
import { AgenciesPage, AgencyPage, AgencyNewPage, AgencyEditPage } from './pages/agencies.jsx';
import { PeoplePage } from './pages/people.jsx';
import { AuditPage } from './pages/audit.jsx';
import { CalendarPage, CalendarTodayPage } from './pages/calendar.jsx';
import { ProceduresPage, ProcedurePage } from './pages/procedures.jsx';
import { ProcedureNewPage, ProcedureEditPage } from './pages/procedure_edit.jsx';
import { SecurityPage, PasswordResetPage } from './pages/security.jsx';
import { ServicesPage, LookupPage, DossierPage, QueuePage, FilePage, DraftPage, StatsPage } from './pages/dossiers.jsx';
import { NotificationsPage, useUnread } from './pages/notifications.jsx';
import { IntakePage, DocumentsPage } from './pages/dossier_desk.jsx';
import { FeedbackMapPage, FeedbackPage, FeedbackNewPage, FeedbackMinePage, isLeader } from './pages/feedback.jsx';
import { FeedbackInboxPage, FeedbackStatsPage } from './pages/feedback_desk.jsx';
import { isStaff } from './pages/dossiers.jsx';

// auth: undefined = public, 'user' = signed in, 'admin' = agency or system admin,
// 'guest' = only when signed out (else go to the account page)
const ROUTES = [
  ['/', HomePage],
  ['/login', LoginPage, 'guest'],
  ['/register', RegisterPage, 'guest'],
  ['/account', AccountPage, 'user'],
  ['/security', SecurityPage, 'user'],
  ['/password-reset', PasswordResetPage],
  ['/agencies', AgenciesPage, 'admin'],
  ['/agencies/new', AgencyNewPage, 'admin'],
  ['/agencies/:code', AgencyPage, 'admin'],
  ['/agencies/:code/edit', AgencyEditPage, 'admin'],
  ['/people', PeoplePage, 'admin'],
  ['/audit', AuditPage, 'admin'],
  ['/procedures', ProceduresPage],
  ['/procedures/new', ProcedureNewPage, 'admin'],
  ['/procedures/:code', ProcedurePage],
  ['/procedures/:code/edit', ProcedureEditPage, 'admin'],
  ['/calendar', CalendarTodayPage],
  ['/calendar/:year', CalendarPage],
  ['/services', ServicesPage],
  ['/tra-cuu/:code', LookupPage],
  ['/ho-so', QueuePage, 'user'],
  ['/tiep-nhan', IntakePage, 'user'],
  ['/kho-giay-to', DocumentsPage, 'user'],
  ['/ho-so/:code', DossierPage, 'user'],
  ['/nop-ho-so/:procedure', FilePage],
  ['/nop-ho-so/nhap/:id', DraftPage, 'user'],
  ['/thong-ke', StatsPage],
  ['/thong-bao', NotificationsPage, 'user'],
  ['/phan-anh', FeedbackMapPage],
  ['/phan-anh/moi', FeedbackNewPage, 'user'],
  ['/phan-anh/cua-toi', FeedbackMinePage, 'user'],
  ['/phan-anh/xu-ly', FeedbackInboxPage, 'user'],
  ['/phan-anh/thong-ke', FeedbackStatsPage],
  ['/phan-anh/:code', FeedbackPage],
  ['/forbidden', Forbidden],
  ...SERVICES.map((s) => [s.path, (p) => <SoonPage {...p} service={s.key} />]),
];

function resolve(route) {
  for (const [pattern, Comp, auth] of ROUTES) {
    const params = match(pattern, route.path);
    if (params) return { Comp, auth, params };
  }
  return { Comp: NotFound, params: {} };
}

function Router({ route, session }) {
  const { Comp, auth, params } = resolve(route);
  const { me } = session;
  const needLogin = (auth === 'user' || auth === 'admin') && !me;
  const signedInGuest = auth === 'guest' && me && !route.query.next;
  // a restricted session (decisions §29) is taken to what it must do first
  const first = mustGo(me);
  const detour = first && route.path !== first && route.path !== '/';
  useEffect(() => {
    if (needLogin) navigate('/login', { next: route.full }, { replace: true });
    else if (detour) navigate(first, null, { replace: true });
    else if (signedInGuest) navigate('/account', null, { replace: true });
  }, [needLogin, signedInGuest, detour, route.full]);
  if (needLogin || signedInGuest || detour) return <Loading />;
  if (auth === 'admin' && !isAgencyAdmin(me)) return <Forbidden />;
  return <Comp key={route.path} {...params} query={route.query} />;
}

function NavLink({ to, current, children }) {
  const active = to === '/' ? current === '/' : current === to || current.startsWith(to + '/');
  return <a href={href(to)} aria-current={active ? 'page' : undefined}>{children}</a>;
}

function Shell() {
  const route = useRoute();
  const session = useSession();
  const [, setL] = useState(lang());
  const [open, setOpen] = useState(false);
  const main = useRef(null);
  useEffect(() => onLang(setL), []);
  useEffect(() => setOpen(false), [route.full]);
  const me = session.me;
  const unread = useUnread(me, route.path);
  const other = lang() === 'vi' ? 'en' : 'vi';
  const onLogout = async () => {
    await logout(() => navigate('/', null, { replace: true }));
  };
  const skip = () => main.current && main.current.focus();
  return (
    <>
      <button type="button" class="skip" onClick={skip}>{t('app.skip')}</button>
      <header class="site-header">
        <div class="bar">
          <a class="brand" href={href('/')}>
            <span class="brand-mark" aria-hidden="true">★</span>
            <span class="brand-text">
              <span class="brand-name">{t('app.name')}</span>
              <span class="brand-tagline">{t('app.tagline')}</span>
            </span>
          </a>
          <div class="bar-tools">
            <button type="button" class="btn-ghost lang-switch" lang={other} aria-label={t('lang.switch.label')}
              onClick={() => setLang(other)}>{t('lang.switch')}</button>
            <button type="button" class="btn-ghost menu-toggle" aria-expanded={open ? 'true' : 'false'} aria-controls="site-nav"
              onClick={() => setOpen(!open)}>{t('app.menu')}</button>
          </div>
        </div>
        <nav id="site-nav" class={open ? 'site-nav open' : 'site-nav'} aria-label={t('nav.main')}>
          <ul class="nav-main">
            <li><NavLink to="/" current={route.path}>{t('nav.home')}</NavLink></li>
            {SERVICES.map((s) => <li key={s.key}><NavLink to={s.path} current={route.path}>{t('nav.' + s.key)}</NavLink></li>)}
            <li><NavLink to="/calendar" current={route.path}>{t('nav.calendar')}</NavLink></li>
            {isStaff(me) && <li><NavLink to="/phan-anh/xu-ly" current={route.path}>{t('nav.feedbackDesk')}</NavLink></li>}
            {isLeader(me) && <li><NavLink to="/phan-anh/thong-ke" current={route.path}>{t('nav.feedbackStats')}</NavLink></li>}
            {isAgencyAdmin(me) && <li><NavLink to="/agencies" current={route.path}>{t('nav.agencies')}</NavLink></li>}
            {isAgencyAdmin(me) && <li><NavLink to="/people" current={route.path}>{t('nav.people')}</NavLink></li>}
          </ul>
          <ul class="nav-user">
            {me ? (
              <>
                <li><NavLink to="/thong-bao" current={route.path}>{t('nav.notifications')}
                  {unread > 0 && <span class="badge badge-count">{unread > 99 ? '99+' : unread}<span class="visually-hidden"> {t('nav.unread')}</span></span>}</NavLink></li>
                <li><NavLink to="/account" current={route.path}><span class="visually-hidden">{t('nav.signedInAs', { name: '' })}</span>{me.account?.full_name || me.account?.username}</NavLink></li>
                <li><button type="button" class="btn-ghost" onClick={onLogout}>{t('nav.logout')}</button></li>
              </>
            ) : (
              <>
                <li><NavLink to="/login" current={route.path}>{t('nav.login')}</NavLink></li>
                <li><NavLink to="/register" current={route.path}>{t('nav.register')}</NavLink></li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1} class="container">
        {session.loaded ? <Router route={route} session={session} /> : <Loading />}
      </main>
      <footer class="site-footer container">
        <p>{t('app.footer')}</p>
      </footer>
    </>
  );
}

document.documentElement.lang = lang();
render(<Shell />, document.getElementById('app'));
loadMe();
