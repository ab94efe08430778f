// Units shown to people: metres with feet and flight level, UTC times, countdowns.
export const FT_PER_M = 1 / 0.3048;

const int = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

export function feet(m) { return m * FT_PER_M; }

/** "FL095": hundreds of feet. The band is above the WGS84 ellipsoid, so FL is indicative only. */
export function flightLevel(m) {
  return 'FL' + String(Math.max(0, Math.round(feet(m) / 100))).padStart(3, '0');
}

export function altitude(m) {
  if (m === null || m === undefined || !Number.isFinite(m)) return m > 0 ? 'unlimited' : 'surface';
  return `${int.format(m)} m (${int.format(feet(m))} ft)`;
}

export function band(lower, upper) {
  const fin = (v) => v !== null && v !== undefined && Number.isFinite(v);
  const lo = fin(lower) ? `${int.format(lower)}` : '−∞';
  const hi = fin(upper) ? `${int.format(upper)}` : '∞';
  const loFt = fin(lower) ? int.format(feet(lower)) : '−∞';
  const hiFt = fin(upper) ? int.format(feet(upper)) : '∞';
  const fl = fin(lower) && fin(upper) ? `, ${flightLevel(lower)}–${flightLevel(upper)}` : '';
  return `${lo}–${hi} m (${loFt}–${hiFt} ft${fl})`;
}

/** "3,000–9,000 m · FL098–FL295" for a label on the map. */
export function shortBand(lower, upper) {
  const fin = (v) => v !== null && v !== undefined && Number.isFinite(v);
  const m = `${fin(lower) ? int.format(lower) : '−∞'}–${fin(upper) ? int.format(upper) : '∞'} m`;
  return fin(lower) && fin(upper) ? `${m} · ${flightLevel(lower)}–${flightLevel(upper)}` : m;
}

const pad = (n) => String(n).padStart(2, '0');

/** "09:05Z" (with the date when it is not `sameDayAs`'s). */
export function utc(ms, sameDayAs) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
  if (sameDayAs !== undefined && new Date(sameDayAs).toISOString().slice(0, 10) === d.toISOString().slice(0, 10)) {
    return hm;
  }
  return `${d.toISOString().slice(0, 10)} ${hm}`;
}

export function utcSeconds(ms) {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

export function window_(t0, t1) {
  const a = Number.isFinite(t0) ? utc(t0) : 'always';
  const b = Number.isFinite(t1) ? utc(t1, Number.isFinite(t0) ? t0 : undefined) : 'open-ended';
  return `${a} – ${b}`;
}

/** "4 min 59 s left" / "overdue 1 min 2 s". */
export function countdown(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const text = (h ? `${h} h ` : '') + (h || m ? `${m} min ` : '') + `${r} s`;
  return ms >= 0 ? `${text} left` : `overdue ${text}`;
}

export function duration(seconds) {
  const s = Math.round(seconds);
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
