// map.js — the feedback maps (Leaflet, bundled with its CSS; no tile server):
// the province's commune boundaries as the base layer when GET
// /api/v1/geo/communes answers (nothing drawn while it does not), report
// markers clustered and coloured by status, a picked point, a choropleth.
// Every marker is a keyboard-reachable button with a text name; the lists
// beside the maps are their accessible equivalent.
import L from './leaflet.js';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import { get } from '../api.js';
import { t } from '../i18n.js';

// Bắc Ninh (province 24, with the former Bắc Giang): the view before any data
export const PROVINCE = '24';
export const HOME = { center: [21.25, 106.3], zoom: 9 };
export const PROVINCE_BOUNDS = [[20.95, 105.85], [21.65, 106.95]];

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// A map in el; the container is labelled and Leaflet's own texts are translated.
export function makeMap(el, label, opts = {}) {
  el.setAttribute('role', 'region');
  el.setAttribute('aria-label', label);
  const map = L.map(el, {
    center: opts.center || HOME.center, zoom: opts.zoom ?? HOME.zoom, minZoom: 7, maxZoom: 19,
    attributionControl: false, zoomControl: false, scrollWheelZoom: opts.scrollWheelZoom ?? true,
  });
  L.control.zoom({ zoomInTitle: t('fb.map.zoomIn'), zoomOutTitle: t('fb.map.zoomOut') }).addTo(map);
  // Leaflet leaves its tiles pane empty here: no tile server; the boundaries are the base
  el.querySelectorAll('.leaflet-control-zoom a').forEach((a) => a.setAttribute('aria-label', a.title));
  return map;
}

// The commune boundaries, once per page load (null while the geo API is absent).
let communes;
export function loadCommunes() {
  if (!communes) {
    communes = get(`/api/v1/geo/communes?province=${PROVINCE}`).then(
      (fc) => (fc && Array.isArray(fc.features) && fc.features.length ? fc : null),
      () => null,
    );
  }
  return communes;
}

// The base layer: commune outlines (not interactive), under everything else.
export async function addBoundaries(map) {
  const fc = await loadCommunes();
  if (!fc || !map._container) return null;
  const layer = L.geoJSON(fc, {
    interactive: false,
    style: { color: '#6b6b6b', weight: 1, fillColor: '#f2efe6', fillOpacity: 0.6 },
  }).addTo(map);
  layer.bringToBack();
  return layer;
}

// A report's marker: a pin coloured by status; its name says the title and status.
export function reportIcon(r) {
  const kind = r.open ? 'open' : 'answered';
  return L.divIcon({
    className: `fb-pin fb-pin-${kind}`,
    html: `<span class="visually-hidden">${esc(r.title)} — ${esc(r.status_name)}</span>`,
    iconSize: [22, 22],
    iconAnchor: [11, 11],
    popupAnchor: [0, -10],
  });
}

// Clustered markers of reports; popup(r) returns the popup's HTML.
export function clusterLayer(reports, popup) {
  const group = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    iconCreateFunction: (c) => {
      const n = c.getChildCount();
      const size = n < 10 ? 'small' : n < 100 ? 'medium' : 'large';
      return L.divIcon({
        html: `<div><span>${n}<span class="visually-hidden"> ${esc(t('fb.map.clusterOf'))}</span></span></div>`,
        className: `marker-cluster marker-cluster-${size}`, iconSize: [40, 40],
      });
    },
  });
  for (const r of reports) {
    if (r.lat == null || r.lon == null) continue;
    const m = L.marker([r.lat, r.lon], { icon: reportIcon(r), title: r.title, keyboard: true, riseOnHover: true });
    m.bindPopup(popup(r), { closeButtonTitle: t('fb.map.close') });
    group.addLayer(m);
  }
  return group;
}

// The point picked (new report, report page): a pin with a text name.
export function pointMarker(latlng, label) {
  return L.marker(latlng, {
    icon: L.divIcon({ className: 'fb-pin fb-pin-picked', html: `<span class="visually-hidden">${esc(label)}</span>`, iconSize: [26, 26], iconAnchor: [13, 13] }),
    keyboard: false, interactive: false,
  });
}

// The choropleth's colour scale (5 classes, light to dark; readable borders)
export const SCALE = ['#fff0d9', '#fdcc8a', '#fc8d59', '#e34a33', '#a31d10'];
export function classify(v, max) {
  if (v == null || Number.isNaN(v)) return -1;
  if (max <= 0) return 0;
  return Math.min(SCALE.length - 1, Math.floor((v / max) * SCALE.length));
}

// Communes coloured by value(code) (null: no data, grey); tooltip text per commune.
export function choropleth(map, fc, value, max, tip) {
  return L.geoJSON(fc, {
    style: (f) => {
      const k = classify(value(f.properties.code), max);
      return { color: '#555', weight: 1, fillOpacity: 0.85, fillColor: k < 0 ? '#e6e6e6' : SCALE[k] };
    },
    onEachFeature: (f, layer) => layer.bindTooltip(tip(f.properties), { sticky: true }),
  }).addTo(map);
}

export { L };
