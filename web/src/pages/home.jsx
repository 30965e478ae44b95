// home.jsx — the home page (services to come, the developer links of the old
// placeholder page) and the "coming soon" page of each service.
import { t } from '../i18n.js';
import { useSession, isAgencyAdmin } from '../store.js';
import { Page, Link } from '../ui.jsx';

// line icons (24×24, stroked): no emoji, whose fonts many office PCs lack
const ICONS = {
  services: 'M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7',
  feedback: 'M4 5h16v11H9l-5 4zM8 9h8M8 12h5',
  reports: 'M4 20h16M7 16v-5M12 16V7M17 16v-8',
  ops: 'M3 5h18v11H3zM8 20h8M12 16v4M7 12l3-3 3 2 4-4',
  admin: 'M3 10l9-6 9 6M5 10v8M9 10v8M15 10v8M19 10v8M3 20h18',
};
function Icon({ name }) {
  return (
    <svg class="tile-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

export const SERVICES = [
  { key: 'services', path: '/services', ready: true },
  { key: 'feedback', path: '/phan-anh', ready: true, title: 'home.feedback.title' },
  { key: 'reports', path: '/reports' },
  { key: 'ops', path: '/ops' },
];

export function HomePage() {
  const { me } = useSession();
  return (
    <Page title={t('home.title')} wide>
      <p class="lead measure">{t('home.lead')}</p>
      {me?.account && <p>{t('home.welcome', { name: me.account.full_name || me.account.username })}</p>}
      <h2>{t('home.services')}</h2>
      <ul class="tiles">
        <li class="tile">
          <Link to="/procedures">
            <Icon name="services" />
            <span class="tile-title">{t('proc.title')}</span>
            <span class="tile-desc">{t('home.procedures.desc')}</span>
          </Link>
        </li>
        {SERVICES.map((s) => (
          <li key={s.key} class="tile">
            <Link to={s.path}>
              <Icon name={s.key} />
              <span class="tile-title">{t(s.title || 'nav.' + s.key)}</span>
              <span class="tile-desc">{t(`home.${s.key}.desc`)}</span>
              {!s.ready && <span class="badge">{t('home.soon')}</span>}
            </Link>
          </li>
        ))}
        {isAgencyAdmin(me) && (
          <li class="tile">
            <Link to="/agencies">
              <Icon name="admin" />
              <span class="tile-title">{t('nav.admin')}</span>
              <span class="tile-desc">{t('home.admin.desc')}</span>
            </Link>
          </li>
        )}
      </ul>
      <h2>{t('home.dev')}</h2>
      <ul class="devlinks">
        <li><a href="/api/v1/openapi.json">{t('home.dev.openapi')}</a></li>
        <li><a href="/api/v1/units?level=1">{t('home.dev.provinces')}</a></li>
        <li><a href="/healthz">healthz</a> · <a href="/readyz">readyz</a> · <a href="/metrics">metrics</a></li>
      </ul>
    </Page>
  );
}

export function SoonPage({ service }) {
  return (
    <Page title={t('nav.' + service)}>
      <p><span class="badge">{t('home.soon')}</span></p>
      <p>{t('soon.body')}</p>
      <p><Link to="/">{t('soon.back')}</Link></p>
    </Page>
  );
}
