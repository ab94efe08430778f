// Geometry for drawing: F3548 volumes to GeoJSON with geodesic edges, geodesic circles, rings
// unwrapped across the 180th meridian and rings around a pole closed along the map's edge.
// Pure functions (no map, no DOM) so that they can be checked on their own.

const R = 6371008.8; // mean earth radius, m
const RAD = Math.PI / 180;
export const MERCATOR_MAX_LAT = 85.0511;
const EDGE_STEP_M = 20000; // a point every 20 km along each geodesic edge

function toVec(lat, lng) {
  const p = lat * RAD, l = lng * RAD;
  return [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)];
}

function toLatLng(v) {
  return [Math.atan2(v[2], Math.hypot(v[0], v[1])) / RAD, Math.atan2(v[1], v[0]) / RAD];
}

/** Points along the great circle from a to b ([lat, lng]), a included, b excluded. */
export function greatCircle(a, b, stepM = EDGE_STEP_M) {
  const va = toVec(a[0], a[1]), vb = toVec(b[0], b[1]);
  const dot = Math.min(1, Math.max(-1, va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2]));
  const omega = Math.acos(dot);
  const n = Math.max(1, Math.ceil((omega * R) / stepM));
  const out = [a];
  if (omega < 1e-12) return out;
  const s = Math.sin(omega);
  for (let k = 1; k < n; k++) {
    const f = k / n;
    const wa = Math.sin((1 - f) * omega) / s, wb = Math.sin(f * omega) / s;
    out.push(toLatLng([wa * va[0] + wb * vb[0], wa * va[1] + wb * vb[1], wa * va[2] + wb * vb[2]]));
  }
  return out;
}

/** A closed ring [lat, lng] with every edge densified along its great circle. */
export function densifyRing(vertices, stepM = EDGE_STEP_M) {
  const out = [];
  for (let i = 0; i < vertices.length; i++) {
    out.push(...greatCircle(vertices[i], vertices[(i + 1) % vertices.length], stepM));
  }
  return out;
}

/** The geodesic circle (on the sphere) around `center` [lat, lng], as a ring of `n` points. */
export function circleRing(center, radiusM, n = 128) {
  const d = radiusM / R, p1 = center[0] * RAD, l1 = center[1] * RAD;
  const out = [];
  for (let k = 0; k < n; k++) {
    const az = (2 * Math.PI * k) / n;
    const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(az));
    const l2 = l1 + Math.atan2(Math.sin(az) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    out.push([p2 / RAD, l2 / RAD]);
  }
  return out;
}

/** GeoJSON ring ([lng, lat], closed) from a ring of [lat, lng]: longitudes unwrapped so that no
 * step jumps across the 180th meridian (MapLibre draws lng beyond ±180 on the next world copy),
 * and a ring that winds around a pole closed along the top or bottom edge of the map. */
export function toGeoJSONRing(ring) {
  const out = [];
  let prev = null;
  for (const [lat, lng] of ring) {
    let x = lng;
    if (prev !== null) {
      while (x - prev > 180) x -= 360;
      while (x - prev < -180) x += 360;
    }
    out.push([x, Math.max(-MERCATOR_MAX_LAT, Math.min(MERCATOR_MAX_LAT, lat))]);
    prev = x;
  }
  if (out.length === 0) return out;
  let close = out[0][0];
  const last = out[out.length - 1][0];
  while (close - last > 180) close -= 360;
  while (close - last < -180) close += 360;
  const wind = close - out[0][0];
  if (Math.abs(wind) > 1) { // the ring goes once around a pole: close it along the map's edge
    const meanLat = ring.reduce((s, v) => s + v[0], 0) / ring.length;
    const edge = meanLat >= 0 ? MERCATOR_MAX_LAT : -MERCATOR_MAX_LAT;
    out.push([close, out[0][1]], [close, edge], [out[0][0], edge]);
  }
  // centre the ring on the world copy in [-180, 180)
  const mid = out.reduce((s, p) => s + p[0], 0) / out.length;
  const shift = Math.round(mid / 360) * 360;
  const shifted = shift ? out.map(([x, y]) => [x - shift, y]) : out;
  shifted.push([...shifted[0]]);
  return shifted;
}

function metres(distance) {
  if (!distance) return null;
  return distance.units === 'FT' ? distance.value * 0.3048 : distance.value;
}

function instantMs(t) {
  if (!t || t.value === undefined || t.value === null) return null;
  const ms = Date.parse(t.value);
  return Number.isFinite(ms) ? ms : null;
}

/** A wire Volume4D to what the map needs: ring [lat, lng], band (m) and window (ms). */
export function parseVolume(v) {
  const volume = v.volume || {};
  let ring;
  if (volume.outline_polygon) {
    ring = densifyRing(volume.outline_polygon.vertices.map((p) => [p.lat, p.lng]));
  } else if (volume.outline_circle) {
    const c = volume.outline_circle;
    ring = circleRing([c.center.lat, c.center.lng], metres(c.radius));
  } else {
    ring = [];
  }
  const lower = volume.altitude_lower ? metres(volume.altitude_lower) : null;
  const upper = volume.altitude_upper ? metres(volume.altitude_upper) : null;
  return { ring, lower, upper, t0: instantMs(v.time_start), t1: instantMs(v.time_end),
    circle: Boolean(volume.outline_circle) };
}

export const FAR_PAST = -8.64e15, FAR_FUTURE = 8.64e15;

/** A GeoJSON polygon feature for one volume; `props` are added to its properties. */
export function volumeFeature(v, props) {
  const p = parseVolume(v);
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [toGeoJSONRing(p.ring)] },
    properties: {
      ...props,
      lower: p.lower ?? -1e6, upper: p.upper ?? 1e6,
      t0: p.t0 ?? FAR_PAST, t1: p.t1 ?? FAR_FUTURE,
    },
  };
}

/** The centre of a ring for a label (mean of unit vectors). */
export function ringCentre(ring) {
  let x = 0, y = 0, z = 0;
  for (const [lat, lng] of ring) { const v = toVec(lat, lng); x += v[0]; y += v[1]; z += v[2]; }
  const [lat, lng] = toLatLng([x, y, z]);
  return [lng, lat];
}

/** Web Mercator x, y in [0, 1] (MapLibre's world coordinates) for longitude and latitude. */
export function mercator(lng, lat) {
  const clamped = Math.max(-MERCATOR_MAX_LAT, Math.min(MERCATOR_MAX_LAT, lat));
  const x = (180 + lng) / 360;
  const y = (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360))) / 360;
  return [x, y];
}
