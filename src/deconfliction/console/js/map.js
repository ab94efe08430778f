// The map: an offline basemap (Natural Earth 1:50m countries, coastlines and borders, from the
// package), the party's airspace layers, a drawing layer and the GPU tracks layer.
// No glyphs and no tiles: every source is GeoJSON from this server, labels are HTML markers.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { TracksLayer } from './tracks.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

function graticule(step = 10) {
  const lines = [];
  for (let lng = -180; lng <= 180; lng += step) {
    const c = [];
    for (let lat = -85; lat <= 85; lat += 5) c.push([lng, lat]);
    lines.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: c } });
  }
  for (let lat = -80; lat <= 80; lat += step) {
    const c = [];
    for (let lng = -180; lng <= 180; lng += 5) c.push([lng, lat]);
    lines.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: c } });
  }
  return { type: 'FeatureCollection', features: lines };
}

async function basemap() {
  const topo = await (await fetch('/console/basemap/countries-50m.json')).json();
  const { feature, mesh } = window.topojson;
  const countries = topo.objects.countries;
  return {
    land: feature(topo, countries),
    borders: { type: 'Feature', properties: {}, geometry: mesh(topo, countries, (a, b) => a !== b) },
    coast: { type: 'Feature', properties: {}, geometry: mesh(topo, countries, (a, b) => a === b) },
  };
}

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: 'sea', type: 'background', paint: { 'background-color': '#cfe0ec' } }],
};

export const AIRSPACE_LAYERS = ['own-fill', 'own-line', 'own-3d', 'protected-fill', 'protected-line',
  'other-fill', 'other-line', 'overlap-fill', 'overlap-line'];

export async function createMap(container) {
  const map = new maplibregl.Map({
    container, style: STYLE, center: [35.2, 34.3], zoom: 7, attributionControl: false,
    maxPitch: 70, renderWorldCopies: true, fadeDuration: 0, canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({
    compact: true, customAttribution: 'Basemap: Natural Earth (public domain) · MapLibre GL JS',
  }));
  await new Promise((resolve) => (map.loaded() ? resolve() : map.once('load', resolve)));
  const base = await basemap();
  map.addSource('land', { type: 'geojson', data: base.land });
  map.addSource('borders', { type: 'geojson', data: base.borders });
  map.addSource('coast', { type: 'geojson', data: base.coast });
  map.addSource('graticule', { type: 'geojson', data: graticule() });
  map.addLayer({ id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f3f1ea' } });
  map.addLayer({ id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': '#9fb3c4', 'line-width': 0.5 } });
  map.addLayer({ id: 'coast', type: 'line', source: 'coast', paint: { 'line-color': '#5b7287', 'line-width': 1 } });
  map.addLayer({ id: 'borders', type: 'line', source: 'borders',
    paint: { 'line-color': '#8a7f99', 'line-width': 1, 'line-dasharray': [3, 2] } });

  for (const id of ['own', 'protected', 'other', 'overlap', 'draft']) map.addSource(id, { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'protected-fill', type: 'fill', source: 'protected', paint: { 'fill-color': '#2e9b4f', 'fill-opacity': 0.18 } });
  map.addLayer({ id: 'protected-line', type: 'line', source: 'protected',
    paint: { 'line-color': '#1d7a3a', 'line-width': 2.5, 'line-dasharray': [1, 1] } });
  map.addLayer({ id: 'own-fill', type: 'fill', source: 'own', paint: { 'fill-color': '#1f6fd1', 'fill-opacity': 0.16 } });
  map.addLayer({ id: 'own-3d', type: 'fill-extrusion', source: 'own', layout: { visibility: 'none' },
    paint: { 'fill-extrusion-color': '#1f6fd1', 'fill-extrusion-opacity': 0.45,
      'fill-extrusion-base': ['max', 0, ['get', 'lower']], 'fill-extrusion-height': ['max', 0, ['get', 'upper']] } });
  map.addLayer({ id: 'own-line', type: 'line', source: 'own', paint: { 'line-color': '#174f96', 'line-width': 2 } });
  map.addLayer({ id: 'other-fill', type: 'fill', source: 'other', paint: { 'fill-color': '#e07b00', 'fill-opacity': 0.22 } });
  map.addLayer({ id: 'other-line', type: 'line', source: 'other', paint: { 'line-color': '#b35f00', 'line-width': 2 } });
  map.addLayer({ id: 'overlap-fill', type: 'fill', source: 'overlap', paint: { 'fill-color': '#d21f2b', 'fill-opacity': 0.35 } });
  map.addLayer({ id: 'overlap-line', type: 'line', source: 'overlap', paint: { 'line-color': '#a3101a', 'line-width': 2.5 } });
  map.addLayer({ id: 'draft-fill', type: 'fill', source: 'draft', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#7b2fd1', 'fill-opacity': 0.18 } });
  map.addLayer({ id: 'draft-line', type: 'line', source: 'draft', paint: { 'line-color': '#7b2fd1', 'line-width': 2, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'draft-points', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 4, 'circle-color': '#7b2fd1' } });
  const tracks = new TracksLayer();
  map.addLayer(tracks);
  return { map, tracks, maplibregl };
}

/** Show what is in force at `t` (ms) and within the altitude filter [lo, hi] (m). */
export function applyFilters(map, t, lo, hi, inForceOnly) {
  const parts = ['all', ['<', ['get', 'lower'], hi], ['>', ['get', 'upper'], lo]];
  if (inForceOnly) parts.push(['<=', ['get', 't0'], t], ['>', ['get', 't1'], t]);
  for (const id of AIRSPACE_LAYERS) map.setFilter(id, parts);
}

export function setExtrusion(map, on) {
  map.setLayoutProperty('own-3d', 'visibility', on ? 'visible' : 'none');
  map.easeTo({ pitch: on ? 55 : 0, duration: 300 });
}
