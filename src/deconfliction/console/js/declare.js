// Declare from the map: draw a polygon (click the vertices, then Finish) or a circle (click the
// centre, then a point on the edge), or type them; set the band, window and priority; see the
// conflicts, the notice rule and the advice before committing (dry run) and after.

import { h, clear } from './dom.js';
import { band, duration, feet, flightLevel } from './units.js';
import { circleRing, densifyRing, toGeoJSONRing } from './geo.js';
import { declarationsOf } from './inquiry.js';

const pad = (n) => String(n).padStart(2, '0');
function isoMinute(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

function haversineM(a, b) {
  const R = 6371008.8, k = Math.PI / 180;
  const dp = (b[0] - a[0]) * k, dl = (b[1] - a[1]) * k;
  const s = Math.sin(dp / 2) ** 2 + Math.cos(a[0] * k) * Math.cos(b[0] * k) * Math.sin(dl / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(s));
}

export class DeclarePanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.panel = document.getElementById('panel-declare');
    this.drawing = null; // 'polygon' | 'circle' | null
    this.points = [];
    this.build();
    ctx.map.on('click', (e) => this.onMapClick(e));
  }

  field(id, label, input, hint) {
    return [h('label', { for: id }, label), h('div', {}, input, hint !== undefined ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null)];
  }

  build() {
    const now = this.ctx.serverNow();
    const start = Math.ceil((now + 20 * 60000) / 60000) * 60000;
    this.form = h('form', { class: 'declare', id: 'declare-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(false); } },
      ...this.field('d-id', 'Id', h('input', { id: 'd-id', type: 'text', required: true, autocomplete: 'off',
        value: `${this.ctx.party}-${Math.floor(now / 1000) % 100000}` })),
      ...this.field('d-kind', 'Kind', h('select', { id: 'd-kind' },
        h('option', { value: 'operation' }, 'operation'), h('option', { value: 'constraint' }, 'constraint (protected site)'))),
      ...this.field('d-priority', 'Priority', h('input', { id: 'd-priority', type: 'number', value: '0', step: '1' }), 'higher wins'),
      ...this.field('d-shape', 'Footprint', h('select', { id: 'd-shape', onchange: () => this.syncShape() },
        h('option', { value: 'polygon' }, 'polygon'), h('option', { value: 'circle' }, 'circle'))),
      h('div', { class: 'full', id: 'd-polygon-row' },
        h('label', { for: 'd-vertices' }, 'Vertices (lat,lng; lat,lng; …) — edges are geodesics'),
        h('textarea', { id: 'd-vertices', rows: 2, spellcheck: 'false', oninput: () => this.preview() })),
      h('div', { class: 'full', id: 'd-circle-row', hidden: true },
        h('label', { for: 'd-center' }, 'Centre (lat,lng)'), ' ',
        h('input', { id: 'd-center', type: 'text', size: 18, oninput: () => this.preview() }), ' ',
        h('label', { for: 'd-radius' }, 'radius (m)'), ' ',
        h('input', { id: 'd-radius', type: 'number', step: '100', value: '5000', oninput: () => this.preview() })),
      h('div', { class: 'full' },
        h('button', { type: 'button', id: 'd-draw', onclick: () => this.startDrawing() }, 'Draw on the map'), ' ',
        h('button', { type: 'button', id: 'd-finish', hidden: true, onclick: () => this.finishDrawing() }, 'Finish'), ' ',
        h('span', { class: 'hint', id: 'd-draw-hint' }, '')),
      ...this.field('d-lower', 'Lower (m)', h('input', { id: 'd-lower', type: 'number', step: '100', value: '0',
        oninput: () => this.showFeet() }), ''),
      ...this.field('d-upper', 'Upper (m)', h('input', { id: 'd-upper', type: 'number', step: '100', value: '3000',
        oninput: () => this.showFeet() }), ''),
      ...this.field('d-start', 'Start (UTC)', h('input', { id: 'd-start', type: 'text', value: isoMinute(start) }), 'YYYY-MM-DDTHH:MMZ'),
      ...this.field('d-end', 'End (UTC)', h('input', { id: 'd-end', type: 'text', value: isoMinute(start + 3600000) })),
      ...this.field('d-purpose', 'Purpose', h('input', { id: 'd-purpose', type: 'text', autocomplete: 'off' }), 'seen by your party only'),
      h('div', { class: 'full actions' },
        h('button', { type: 'button', id: 'd-dry-run', onclick: () => this.submit(true) }, 'Check (dry run)'), ' ',
        h('button', { type: 'submit', id: 'd-submit', class: 'primary' }, 'Declare')));
    this.result = h('div', { id: 'declare-result', role: 'status', 'aria-live': 'polite' });
    clear(this.panel, h('p', { class: 'hint' }, 'A dry run shows what declaring would cause; nothing is stored, logged or sent.'),
      this.form, this.result);
    this.showFeet();
  }

  $(id) { return document.getElementById(id); }

  showFeet() {
    for (const id of ['d-lower', 'd-upper']) {
      const m = Number(this.$(id).value);
      this.$(`${id}-hint`).textContent = Number.isFinite(m) ? `${Math.round(feet(m)).toLocaleString('en-GB')} ft, ${flightLevel(m)}` : '';
    }
  }

  syncShape() {
    const circle = this.$('d-shape').value === 'circle';
    this.$('d-polygon-row').hidden = circle;
    this.$('d-circle-row').hidden = !circle;
    this.preview();
  }

  startDrawing() {
    this.drawing = this.$('d-shape').value;
    this.points = [];
    this.$('d-finish').hidden = this.drawing !== 'polygon';
    this.$('d-draw-hint').textContent = this.drawing === 'polygon'
      ? 'Click each vertex on the map, then Finish.' : 'Click the centre, then a point on the edge.';
    this.ctx.map.getCanvas().style.cursor = 'crosshair';
  }

  finishDrawing() {
    this.drawing = null;
    this.$('d-finish').hidden = true;
    this.$('d-draw-hint').textContent = '';
    this.ctx.map.getCanvas().style.cursor = '';
    this.preview();
  }

  onMapClick(e) {
    if (!this.drawing) return;
    const p = [Number(e.lngLat.lat.toFixed(5)), Number(e.lngLat.wrap().lng.toFixed(5))];
    if (this.drawing === 'polygon') {
      this.points.push(p);
      this.$('d-vertices').value = this.points.map((q) => `${q[0]},${q[1]}`).join('; ');
    } else if (this.points.length === 0) {
      this.points.push(p);
      this.$('d-center').value = `${p[0]},${p[1]}`;
    } else {
      this.$('d-radius').value = String(Math.round(haversineM(this.points[0], p)));
      this.finishDrawing();
    }
    this.preview();
  }

  footprint() {
    if (this.$('d-shape').value === 'circle') {
      const [lat, lng] = this.$('d-center').value.split(',').map(Number);
      return { outline_circle: { center: { lat, lng }, radius: { value: Number(this.$('d-radius').value), units: 'M' } } };
    }
    const vertices = this.$('d-vertices').value.split(';').map((s) => s.trim()).filter(Boolean)
      .map((s) => { const [lat, lng] = s.split(',').map(Number); return { lat, lng }; });
    return { outline_polygon: { vertices } };
  }

  preview() {
    const source = this.ctx.map.getSource('draft');
    const f = this.footprint();
    let ring = null;
    if (f.outline_circle && Number.isFinite(f.outline_circle.center.lat) && Number.isFinite(f.outline_circle.center.lng)
        && f.outline_circle.radius.value > 0) {
      ring = circleRing([f.outline_circle.center.lat, f.outline_circle.center.lng], f.outline_circle.radius.value);
    } else if (f.outline_polygon) {
      const v = f.outline_polygon.vertices.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lng));
      if (v.length >= 3) ring = densifyRing(v.map((p) => [p.lat, p.lng]));
      else if (v.length) {
        source.setData({ type: 'FeatureCollection', features: v.map((p) => ({ type: 'Feature', properties: {},
          geometry: { type: 'Point', coordinates: [p.lng, p.lat] } })) });
        return;
      }
    }
    source.setData({ type: 'FeatureCollection', features: ring ? [{ type: 'Feature', properties: {},
      geometry: { type: 'Polygon', coordinates: [toGeoJSONRing(ring)] } }] : [] });
  }

  body() {
    const id = this.$('d-id').value.trim();
    const existing = (this.ctx.airspace?.declarations || []).find((d) => d.id === id);
    const body = {
      kind: this.$('d-kind').value,
      priority: Number(this.$('d-priority').value || 0),
      purpose: this.$('d-purpose').value,
      volumes: [{
        volume: { ...this.footprint(),
          altitude_lower: { value: Number(this.$('d-lower').value), reference: 'W84', units: 'M' },
          altitude_upper: { value: Number(this.$('d-upper').value), reference: 'W84', units: 'M' } },
        time_start: { value: this.$('d-start').value.trim(), format: 'RFC3339' },
        time_end: { value: this.$('d-end').value.trim(), format: 'RFC3339' },
      }],
    };
    if (existing) body.version = existing.version;
    return { id, body };
  }

  async submit(dryRun) {
    const { id, body } = this.body();
    const path = `/v1/declarations/${encodeURIComponent(id)}${dryRun ? '/dry-run' : ''}`;
    this.result.dataset.state = 'pending';
    try {
      const answer = dryRun ? await this.ctx.api.post(path, body) : await this.ctx.api.put(path, body);
      this.show(answer, dryRun);
      if (!dryRun) {
        this.ctx.map.getSource('draft').setData({ type: 'FeatureCollection', features: [] });
        await Promise.all([this.ctx.refreshAll(), this.checkReceipt(answer)]);
      }
    } catch (error) {
      const where = error.body && error.body.field ? ` (field ${error.body.field})` : '';
      clear(this.result, h('p', { class: 'error', role: 'alert' }, `${dryRun ? 'Dry run' : 'Declaration'} refused `
        + `(${error.status})${where}: ${error.message}`));
      this.result.dataset.state = 'refused';
    }
  }

  /** The write's receipt: its tree head checked against the kept one (signature, consistency),
   * and, with the ledger at hand (inquiry scope), its inclusion proof for the write's entry. */
  async checkReceipt(answer) {
    const d = answer.declaration;
    const receipt = answer.receipt;
    const el = h('div', { id: 'result-receipt', 'data-state': 'pending' }, 'Checking the receipt…');
    this.result.append(el);
    if (!receipt || !this.ctx.log) {
      clear(el, h('p', { class: 'hint' }, 'No receipt: the write logged nothing.'));
      el.dataset.state = 'none';
      return;
    }
    const where = `Entry ${receipt.leaf_index + 1} of the log's ${receipt.tree_head.tree_size}`;
    const head = await this.ctx.log.receipt(receipt, `declaration ${d.id} v${d.version}`);
    const lines = [h('h3', {}, 'Receipt'),
      h('p', { class: head.ok ? 'ok' : head.ok === false ? 'error' : 'hint', id: 'receipt-head' }, head.ok
        ? `${where}: its tree head is signed by the log's key and extends the head you kept.`
        : `${where}: ${head.message}`)];
    let state = head.ok ? 'head-verified' : head.ok === false ? 'refused' : 'unchecked';
    if (head.ok && this.ctx.scopes.includes('deconfliction.inquiry')) {
      try {
        const included = await this.ctx.log.inclusion(receipt, (entry) => declarationsOf(entry).has(d.id));
        lines.push(h('p', { class: included.ok ? 'ok' : 'error', id: 'receipt-inclusion' }, included.ok
          ? `Inclusion proof verified: ${included.message}.` : `Inclusion proof FAILED: ${included.message}.`));
        state = included.ok ? 'verified' : 'refused';
      } catch (error) {
        lines.push(h('p', { class: 'hint', id: 'receipt-inclusion' }, `Inclusion not checked: ${error.message}`));
      }
    } else if (head.ok) {
      lines.push(h('p', { class: 'hint', id: 'receipt-inclusion' }, 'Its inclusion proof is kept for an inquiry, which checks it '
        + 'against the ledger (reading the ledger here needs the inquiry scope).'));
    }
    clear(el, lines);
    el.dataset.state = state;
  }

  show(answer, dryRun) {
    const d = answer.declaration;
    const late = answer.late_notice;
    const items = [
      h('p', { class: dryRun ? 'hint' : 'ok' }, dryRun
        ? `Dry run for ${d.id} v${d.version}: nothing was stored, logged or sent.`
        : `Declared ${d.id} v${d.version}.`),
      h('div', {}, `Band ${band(...[d.volumes[0].volume.altitude_lower?.value, d.volumes[0].volume.altitude_upper?.value])}`),
      h('h3', {}, `Conflicts (${answer.conflicts.length})`),
      h('ul', { class: 'items', id: 'result-conflicts' }, answer.conflicts.map((c) => h('li', { class: 'card conflict' },
        `${c.a} × ${c.b}: `, c.overlaps.map((o) => `${(o.area_m2 / 1e6).toFixed(1)} km², ${band(o.altitude_m[0], o.altitude_m[1])}`).join('; ')))),
      h('h3', {}, 'Notice rule'),
      h('p', { id: 'result-late' }, late ? `Late notice: ${duration(late.notice_s)} given, ${duration(late.required_s)} required; `
        + 'the parties it conflicts with are told.' : 'Enough notice given.'),
      h('h3', {}, `Notices ${dryRun ? 'that would be sent' : 'sent'} (${answer.notices.length})`),
      h('ul', { class: 'items', id: 'result-notices' }, answer.notices.map((n) => h('li', {}, `to ${n.to}: ${n.reason} about ${n.about} v${n.about_version}`))),
      h('h3', {}, 'Advice'),
      h('ul', { class: 'items', id: 'result-advice' }, answer.advice.length ? answer.advice.map((a) => h('li', {},
        `${a.id}: give way — delay ${a.delay_s === null ? 'none clears it' : duration(a.delay_s)}, or shift the band by `
        + `${a.altitude_shift_m === null ? 'no clear band' : `${a.altitude_shift_m} m (${Math.round(feet(a.altitude_shift_m))} ft)`}`))
        : [h('li', {}, 'none: you need not give way')]),
    ];
    clear(this.result, h('div', { class: 'result' }, items));
    this.result.dataset.state = dryRun ? 'dry-run' : 'declared';
  }
}
