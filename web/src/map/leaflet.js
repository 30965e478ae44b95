// leaflet.js — Leaflet from npm, made global before leaflet.markercluster (a UMD
// plugin that extends the global L) is evaluated; import L from here.
import L from 'leaflet';

window.L = L;
export default L;
