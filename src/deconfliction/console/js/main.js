// The console: sign-in, the airspace on the map in 4D, notices, declaring, live events and
// tracks, the inquiry view, and the watch over the transparency log (logwatch.js: the kept tree
// head, checked against each new one). Everything comes from this server (/v1 with the party's
// token).

import { Api, ApiError, consoleConfig, localToken, tokenClaims } from './api.js';
import { h, clear } from './dom.js';
import { band, shortBand, window_, utc, utcSeconds, feet, flightLevel } from './units.js';
import { parseVolume, volumeFeature, ringCentre, FAR_PAST, FAR_FUTURE } from './geo.js';
import { createMap, applyFilters, setExtrusion } from './map.js';
import { NoticesPanel } from './notices.js';
import { DeclarePanel } from './declare.js';
import { InquiryPanel } from './inquiry.js';
import { CLASS_NAMES } from './tracks.js';
import { LogWatch } from './logwatch.js';

const TOKEN_KEY = 'deconfliction.token';
const TRACKS_EVERY_MS = 1000;
const $ = (id) => document.getElementById(id);

// What the tests and the benchmark read (and a person can inspect in the browser's console).
const state = window.consoleState = {
  ready: false, party: null, airspace: null, offsetMs: 0, t: 0, events: [],
  tracks: { count: 0, applyMs: [], renderMs: [], classes: {} }, live: 'offline', timing: {},
  log: null, // the last check of the transparency log: {ok, message, head, alarm}
};

function serverNow() { return Date.now() + state.offsetMs; }

async function boot() {
  const config = await consoleConfig();
  state.config = config;
  if (config.now) state.offsetMs = Date.parse(config.now) - Date.now();
  $('mode-badge').hidden = !config.local_mode;
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try { await start(token); return; } catch (error) { showSignIn(config, error); return; }
  }
  showSignIn(config);
}

function showSignIn(config, error) {
  $('console').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = error ? `Sign-in failed: ${error.message}` : '';
  if (config.local_mode) {
    $('picker').hidden = false;
    clear($('party-select'), config.parties.map((p) => h('option', { value: p.id }, p.name ? `${p.name} (${p.id})` : p.id)));
    if (!config.parties.length) $('party-select').append(h('option', { value: '' }, '(no party yet: type one)'));
  }
  $('picker-form').onsubmit = async (e) => {
    e.preventDefault();
    const party = $('party-new').value.trim() || $('party-select').value;
    try {
      const token = await localToken(party);
      sessionStorage.setItem(TOKEN_KEY, token);
      location.reload();
    } catch (err) { $('signin-error').textContent = `Sign-in failed: ${err.message}`; }
  };
  $('token-form').onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
    location.reload();
  };
}

async function start(token) {
  const api = new Api(token);
  const first = await api.get('/v1/airspace'); // fails with 401/403 for a bad token
  const claims = tokenClaims(token) || {};
  const ctx = {
    api, party: first.party, scopes: String(claims.scope || '').split(' ').filter(Boolean), serverNow,
    airspace: first, map: null,
  };
  state.party = ctx.party;
  state.offsetMs = Date.parse(first.now) - Date.now();
  $('signin').hidden = true;
  $('console').hidden = false;
  $('who').textContent = `Party: ${ctx.party}`;
  $('sign-out').hidden = false;
  $('sign-out').onclick = () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); };

  // the transparency log: its kept head checked against the server's before anything else
  const log = new LogWatch(api, { statusEl: $('log-status'), alarmEl: $('log-alarm'), onChange: (r) => { state.log = r; } });
  ctx.log = log;
  $('log-status').hidden = false;
  const logChecked = log.start();

  const { map, tracks, maplibregl } = await createMap($('map'));
  ctx.map = map; ctx.tracks = tracks; ctx.maplibregl = maplibregl;
  window.consoleMap = map;
  const airspace = new AirspaceView(ctx);
  const notices = new NoticesPanel(ctx);
  ctx.notices = notices;
  ctx.zoomToVolumes = (volumes) => airspace.zoomTo(volumes);
  ctx.refreshAll = async () => {
    const t0 = performance.now();
    await Promise.all([airspace.refresh().then(() => { state.timing.airspace = performance.now() - t0; }),
      notices.refresh().then(() => { state.timing.notices = performance.now() - t0; })]);
  };
  new DeclarePanel(ctx);
  const live = new LiveView(ctx, airspace, notices);
  let inquiry = null;
  if (ctx.scopes.includes('deconfliction.inquiry')) {
    $('tab-inquiry').hidden = false;
    inquiry = new InquiryPanel(ctx);
  }
  setupTabs((name) => { if (name === 'inquiry' && inquiry) inquiry.load(); });
  airspace.show(first, true);
  await notices.refresh();
  live.start();
  setInterval(() => {
    $('clock').textContent = utcSeconds(serverNow());
    notices.tick();
  }, 1000);
  $('clock').textContent = utcSeconds(serverNow());
  window.consoleDebug = {
    applyTracks: (columns) => live.applyTracks(columns),
    renderedIds: (layer) => [...new Set(map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.id))],
    setTime: (ms) => airspace.setTime(ms),
    // the next frame that draws fresh tracks, with the GPU's work finished (gl.finish)
    whenTracksRendered: () => new Promise((resolve) => { tracks.whenRendered((gl) => { gl.finish(); resolve(performance.now()); }); map.triggerRepaint(); }),
    inquiry,
    checkLog: () => log.check('on demand'),
    logEvidence: () => (log.record.alarm ? log.evidence() : null),
  };
  await logChecked;
  state.ready = true;
}

function setupTabs(onOpen) {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    onOpen(tab.id.replace('tab-', ''));
  };
  tabs.forEach((t, i) => {
    t.tabIndex = i === 0 ? 0 : -1;
    t.addEventListener('click', () => select(t));
    t.addEventListener('keydown', (e) => {
      const visible = tabs.filter((x) => !x.hidden);
      const k = visible.indexOf(t);
      const next = e.key === 'ArrowRight' ? visible[(k + 1) % visible.length]
        : e.key === 'ArrowLeft' ? visible[(k - 1 + visible.length) % visible.length] : null;
      if (next) { next.focus(); select(next); e.preventDefault(); }
    });
  });
}

class AirspaceView {
  constructor(ctx) {
    this.ctx = ctx;
    this.map = ctx.map;
    this.panel = $('panel-airspace');
    this.markers = [];
    this.playing = null;
    const slider = $('time-slider');
    slider.addEventListener('input', () => this.setTime(Number(slider.value), true));
    $('now-btn').addEventListener('click', () => this.setTime(serverNow()));
    $('play').addEventListener('click', () => this.togglePlay());
    $('in-force').addEventListener('change', () => this.filter());
    for (const id of ['alt-min', 'alt-max']) $(id).addEventListener('input', () => this.filter());
    $('extrude').addEventListener('change', (e) => setExtrusion(this.map, e.target.checked));
    this.t = serverNow();
    this.first = true;
  }

  async refresh() {
    const t0 = performance.now();
    const body = await this.ctx.api.get('/v1/airspace');
    state.timing.airspaceFetch = performance.now() - t0;
    this.show(body, false);
  }

  show(airspace, fit) {
    this.ctx.airspace = airspace;
    state.airspace = airspace;
    const own = [], protectedSites = [], other = [], overlap = [];
    const inConflict = new Set(airspace.conflicts.flatMap((c) => [c.a, c.b]));
    this.items = [];
    for (const d of airspace.declarations) {
      d.volumes.forEach((v, i) => {
        const f = volumeFeature(v, { id: d.id, party: d.party, kind: d.kind, version: d.version, vi: i });
        (d.kind === 'constraint' ? protectedSites : own).push(f);
        this.items.push({ d, v: parseVolume(v), f, role: d.kind === 'constraint' ? 'protected' : 'own' });
      });
    }
    for (const d of airspace.others) {
      d.disclosed.forEach((v, i) => {
        const f = volumeFeature(v, { id: d.id, party: d.party, kind: d.kind, version: d.version, vi: i, other: 1 });
        (d.kind === 'constraint' ? protectedSites : other).push(f);
        if (inConflict.has(d.id)) overlap.push(f);
        this.items.push({ d, v: parseVolume(v), f, role: d.kind === 'constraint' ? 'protected' : 'other' });
      });
    }
    const set = (id, features) => this.map.getSource(id).setData({ type: 'FeatureCollection', features });
    set('own', own); set('protected', protectedSites); set('other', other); set('overlap', overlap);
    this.updateSlider();
    this.labels();
    this.list(airspace);
    this.filter();
    if (fit && this.first && this.items.length) { this.first = false; this.zoomTo(this.items.map((x) => x.f), true); }
  }

  /** A conflict pushed over the event stream, listed before the next refresh. */
  addConflict(conflict) {
    const airspace = this.ctx.airspace;
    if (airspace.conflicts.some((c) => c.a === conflict.a && c.b === conflict.b)) return;
    this.show({ ...airspace, conflicts: [...airspace.conflicts, conflict] }, false);
  }

  updateSlider() {
    const times = this.items.flatMap((x) => [x.v.t0, x.v.t1]).filter((t) => Number.isFinite(t) && t > FAR_PAST && t < FAR_FUTURE);
    const now = serverNow();
    times.push(now);
    const hour = 3600000;
    const lo = Math.floor((Math.min(...times) - hour) / hour) * hour;
    const hi = Math.ceil((Math.max(...times) + hour) / hour) * hour;
    const slider = $('time-slider');
    slider.min = String(lo); slider.max = String(hi);
    slider.value = String(this.t);
  }

  setTime(ms, fromSlider = false) {
    this.t = ms;
    state.t = ms;
    if (!fromSlider) $('time-slider').value = String(ms);
    this.filter();
  }

  togglePlay() {
    const button = $('play');
    if (this.playing) {
      clearInterval(this.playing); this.playing = null;
      button.textContent = 'Play'; button.setAttribute('aria-pressed', 'false');
      return;
    }
    button.textContent = 'Pause'; button.setAttribute('aria-pressed', 'true');
    const slider = $('time-slider');
    this.playing = setInterval(() => {
      const next = this.t + 2 * 60000;
      if (next > Number(slider.max)) { this.togglePlay(); return; }
      this.setTime(next);
    }, 150);
  }

  filter() {
    const lo = Number($('alt-min').value), hi = Number($('alt-max').value);
    const inForce = $('in-force').checked;
    applyFilters(this.map, this.t, Number.isFinite(lo) ? lo : -1e6, Number.isFinite(hi) ? hi : 1e6, inForce);
    $('time-label').textContent = utc(this.t);
    $('alt-ft').textContent = Number.isFinite(lo) && Number.isFinite(hi)
      ? `(${Math.round(feet(lo)).toLocaleString('en-GB')}–${Math.round(feet(hi)).toLocaleString('en-GB')} ft, ${flightLevel(lo)}–${flightLevel(hi)})` : '';
    const shown = new Set();
    for (const x of this.items || []) {
      const p = x.f.properties;
      const visible = p.lower < hi && p.upper > lo && (!inForce || (p.t0 <= this.t && p.t1 > this.t));
      if (visible) shown.add(`${p.id}/${p.vi}/${p.other || 0}`);
    }
    state.inForce = [...new Set([...shown].map((k) => k.split('/')[0]))].sort();
    for (const m of this.markers) m.getElement().hidden = !shown.has(m.key);
    for (const el of this.panel.querySelectorAll('[data-key]')) el.dataset.inForce = String(shown.has(el.dataset.key));
  }

  labels() {
    for (const m of this.markers) m.remove();
    this.markers = [];
    for (const x of this.items) {
      const p = x.f.properties;
      const text = `${p.id}${p.other ? ` (${p.party})` : ''} v${p.version}\n${shortBand(x.v.lower, x.v.upper)}\n${window_(x.v.t0, x.v.t1)}`;
      const el = h('div', { class: `label-marker ${x.role}`, 'data-label': p.id }, text);
      const marker = new this.ctx.maplibregl.Marker({ element: el, anchor: 'center' }).setLngLat(ringCentre(x.v.ring)).addTo(this.map);
      marker.key = `${p.id}/${p.vi}/${p.other || 0}`;
      this.markers.push(marker);
    }
  }

  list(airspace) {
    const card = (x) => h('li', { class: `card ${x.role}`, 'data-declaration': x.f.properties.id,
      'data-key': `${x.f.properties.id}/${x.f.properties.vi}/${x.f.properties.other || 0}` },
    h('div', { class: 'title' }, `${x.f.properties.id} v${x.f.properties.version}`,
      h('span', { class: 'state' }, x.role === 'other' ? `${x.d.party}, disclosed extent` : x.d.kind), x.d.state ? h('span', { class: 'state' }, x.d.state) : null),
    h('div', { class: 'meta' }, `${x.v.circle ? 'circle' : 'polygon'} · ${band(x.v.lower, x.v.upper)}`),
    h('div', { class: 'meta' }, window_(x.v.t0, x.v.t1)),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => this.zoomTo([x.f]) }, 'Show on map')));
    const mine = this.items.filter((x) => x.role !== 'other' && !x.f.properties.other);
    const theirs = this.items.filter((x) => x.role === 'other' || x.f.properties.other);
    clear(this.panel,
      h('h3', {}, `Yours (${airspace.declarations.length})`), h('ul', { class: 'items', id: 'own-list' }, mine.map(card)),
      h('h3', {}, `Other parties' extents disclosed to you (${airspace.others.length})`),
      h('ul', { class: 'items', id: 'other-list' }, theirs.map(card)),
      h('h3', {}, `Conflicts (${airspace.conflicts.length})`),
      h('ul', { class: 'items', id: 'conflict-list' }, airspace.conflicts.map((c) => h('li', { class: 'card conflict', 'data-conflict': `${c.a}|${c.b}` },
        h('div', { class: 'title' }, `${c.a} v${c.a_version} × ${c.b} v${c.b_version}`),
        c.overlaps.map((o) => h('div', { class: 'meta' }, `overlap ${(o.area_m2 / 1e6).toFixed(2)} km² · ${band(o.altitude_m[0], o.altitude_m[1])} · `
          + window_(o.time_s[0] === null ? NaN : o.time_s[0] * 1000, o.time_s[1] === null ? NaN : o.time_s[1] * 1000)))))));
    this.filter();
  }

  zoomTo(featuresOrVolumes, instant = false) {
    const features = featuresOrVolumes.map((x) => (x.type === 'Feature' ? x : volumeFeature(x, {})));
    let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
    for (const f of features) for (const [x, y] of f.geometry.coordinates[0]) {
      w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y);
    }
    if (Number.isFinite(w)) this.map.fitBounds([[w, s], [e, n]], { padding: 60, duration: instant ? 0 : 500, maxZoom: 11 });
  }
}

class LiveView {
  constructor(ctx, airspace, notices) {
    this.ctx = ctx; this.airspace = airspace; this.notices = notices;
    this.panel = $('panel-live');
    this.log = h('ol', { class: 'items', id: 'event-log' });
    this.trackInfo = h('div', { id: 'track-info', role: 'status' }, 'No tracks yet.');
    this.alerts = h('ul', { class: 'items', id: 'track-alerts' });
    clear(this.panel, h('h3', {}, 'Tracks'), this.trackInfo, this.alerts, h('h3', {}, 'Events (newest first)'), this.log);
    this.pending = null;
  }

  start() {
    this.ctx.api.events((kind, event) => this.onEvent(kind, event), (status) => {
      state.live = status;
      const el = $('live-status');
      el.textContent = status === 'live' ? 'live' : status;
      el.className = `badge ${status === 'live' ? 'live' : 'down'}`;
    });
    const poll = async () => {
      try {
        const response = await fetch('/v1/tracks', { headers: this.ctx.api.headers(), cache: 'no-store' });
        if (response.ok) this.applyTracks((await response.json()).tracks);
      } catch { /* the next poll tries again */ }
      setTimeout(poll, TRACKS_EVERY_MS);
    };
    poll();
  }

  onEvent(kind, event) {
    const arrived = performance.now();
    state.events.push({ kind, seq: event.seq, arrived, event });
    const p = event.payload || {};
    const what = p.notice ? (typeof p.notice === 'string' ? `notice ${p.notice} ${p.state || ''}` : `notice ${p.notice.id} (${p.notice.reason}) about ${p.notice.about}`)
      : p.conflict ? `conflict ${p.conflict.a} × ${p.conflict.b}`
        : p.declaration ? `${p.declaration} ${p.state || ''}${p.acknowledged_by ? ` acknowledged by ${p.acknowledged_by}` : ''}`
          : p.tracks ? `tracks ${p.tracks.join(' × ')}${p.loss_of_separation ? ' LOSS OF SEPARATION' : ''}` : '';
    this.log.prepend(h('li', { class: 'card', 'data-kind': kind }, h('span', { class: 'state' }, kind), ` #${event.seq} ${utc(Date.parse(event.at))} `, what));
    while (this.log.children.length > 100) this.log.lastChild.remove();
    // show what the event itself carries at once; the full refresh below follows it
    if (kind === 'conflict' && p.conflict) this.airspace.addConflict(p.conflict);
    if ((kind === 'notice' || kind === 'escalation') && p.notice && typeof p.notice === 'object' && p.notice.disclosed) {
      this.notices.upsert(p.notice);
    }
    // refresh what the event changes, once for a burst of events
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.ctx.refreshAll().then(() => { state.refreshedAt = performance.now(); }), 30);
  }

  /** One snapshot of tracks (parallel columns) onto the GPU layer. */
  applyTracks(c) {
    const t0 = performance.now();
    const n = c.lat.length;
    const cls = new Float32Array(n);
    const party = this.ctx.party;
    let nonconf = 0, los = 0, predicted = 0;
    for (let i = 0; i < n; i++) {
      const a = c.alert[i];
      cls[i] = a === 2 ? 4 : a === 1 ? 3 : c.nonconforming[i] ? 2 : c.party[i] === party ? 0 : 1;
      if (a === 2) los++; else if (a === 1) predicted++;
      if (c.nonconforming[i]) nonconf++;
    }
    this.ctx.tracks.setTracks(c.lng, c.lat, cls);
    const applied = performance.now();
    state.tracks.count = n;
    state.tracks.applyMs.push(applied - t0);
    if (state.tracks.applyMs.length > 50) state.tracks.applyMs.shift();
    state.tracks.classes = { nonconforming: nonconf, predicted, loss: los };
    this.ctx.tracks.whenRendered(() => {
      state.tracks.renderMs.push(performance.now() - t0);
      if (state.tracks.renderMs.length > 50) state.tracks.renderMs.shift();
      state.tracks.rendered = n;
    });
    this.trackInfo.textContent = `${n.toLocaleString('en-GB')} tracks shown · ${nonconf} Nonconforming · ${los} in loss of separation · `
      + `${predicted} predicted · update applied in ${(applied - t0).toFixed(1)} ms`;
    const flagged = [];
    for (let i = 0; i < n && flagged.length < 20; i++) {
      if (c.alert[i] || c.nonconforming[i]) flagged.push(i);
    }
    clear(this.alerts, flagged.map((i) => h('li', { class: `card ${c.alert[i] === 2 ? 'escalated' : 'sent'}`, 'data-track': c.id[i] },
      `${c.id[i]} (${c.party[i]}) · ${CLASS_NAMES[cls[i]]} · ${Math.round(c.alt_m[i]).toLocaleString('en-GB')} m (${flightLevel(c.alt_m[i])})`)));
    return applied - t0;
  }
}

boot().catch((error) => {
  document.body.prepend(h('p', { class: 'error', role: 'alert' }, `The console failed to start: ${error instanceof ApiError ? error.status : ''} ${error.message}`));
});
