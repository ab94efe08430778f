// Notices: open, escalated, acknowledged (and superseded), each with a countdown to its deadline
// and an Acknowledge button that reads back the declaration and version shown on the card.

import { h, clear } from './dom.js';
import { utc, countdown, duration, band, window_ } from './units.js';
import { parseVolume } from './geo.js';

const GROUPS = [
  ['escalated', 'Escalated (silent past the deadline)'],
  ['sent', 'Open'],
  ['acknowledged', 'Acknowledged'],
  ['superseded', 'Superseded'],
];

const REASONS = { conflict: 'Conflict', late_notice: 'Late notice', nonconformance: 'Nonconforming aircraft' };

export class NoticesPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.list = document.getElementById('notice-list');
    this.alert = document.getElementById('notice-alert');
    this.notices = [];
    this.refusals = new Map(); // notice id -> message
  }

  async refresh() {
    const body = await this.ctx.api.get('/v1/notices?state=all');
    this.notices = body.notices;
    this.render();
  }

  /** A notice pushed over the event stream, shown before the next refresh. */
  upsert(notice) {
    this.notices = [...this.notices.filter((n) => n.id !== notice.id), notice];
    this.render();
  }

  render() {
    const open = this.notices.filter((n) => n.state === 'sent' || n.state === 'escalated').length;
    const count = document.getElementById('open-count');
    count.textContent = String(open);
    count.classList.toggle('zero', open === 0);
    const sections = [];
    for (const [state, title] of GROUPS) {
      const mine = this.notices.filter((n) => n.state === state).reverse();
      if (!mine.length && state === 'superseded') continue;
      sections.push(h('h3', {}, `${title} (${mine.length})`));
      sections.push(h('ul', { class: 'items', 'data-group': state }, mine.map((n) => this.card(n))));
    }
    clear(this.list, sections);
    this.tick();
  }

  card(n) {
    const canAck = (n.state === 'sent' || n.state === 'escalated') && this.ctx.scopes.includes('deconfliction.acknowledge');
    const extent = n.disclosed.map((v) => parseVolume(v));
    const refusal = this.refusals.get(n.id);
    return h('li', { class: `card ${n.state}`, 'data-notice': n.id, 'data-state': n.state },
      h('div', { class: 'title' }, `${REASONS[n.reason] || n.reason}: ${n.about} v${n.about_version}`,
        h('span', { class: 'state' }, n.state)),
      h('div', { class: 'meta' }, n.other ? `your declaration ${n.other} · ` : '',
        `sent ${utc(Date.parse(n.sent_at))}`, n.delivered_at ? ` · delivered ${utc(Date.parse(n.delivered_at))}` : ''),
      n.notice_s !== undefined ? h('div', { class: 'meta' },
        `notice given ${duration(n.notice_s)}, required ${duration(n.required_s)}`) : null,
      extent.length ? h('div', { class: 'meta' }, `disclosed: ${extent.map((v) => `${band(v.lower, v.upper)}, ${window_(v.t0, v.t1)}`).join('; ')}`) : null,
      h('div', { class: 'meta' }, `deadline ${utc(Date.parse(n.deadline))} `,
        n.state === 'sent' || n.state === 'escalated'
          ? h('span', { class: 'countdown', 'data-deadline': Date.parse(n.deadline) }, '') : null,
        n.acknowledged_at ? ` · acknowledged ${utc(Date.parse(n.acknowledged_at))}` : '',
        n.escalated_at ? ` · escalated ${utc(Date.parse(n.escalated_at))}` : ''),
      refusal ? h('div', { class: 'refusal', role: 'alert' }, refusal) : null,
      h('div', { class: 'actions' },
        canAck ? h('button', {
          type: 'button', class: 'primary ack', 'data-declaration': n.about, 'data-version': n.about_version,
          onclick: () => this.acknowledge(n),
        }, `Acknowledge ${n.about} v${n.about_version}`) : null,
        extent.length ? h('button', { type: 'button', onclick: () => this.ctx.zoomToVolumes(n.disclosed) }, 'Show on map') : null));
  }

  /** The read-back: exactly the declaration and version this card shows. */
  async acknowledge(n) {
    const shown = { declaration: n.about, version: n.about_version };
    try {
      const answer = await this.ctx.api.post(`/v1/notices/${encodeURIComponent(n.id)}/acknowledgement`, shown);
      if (this.ctx.log) this.ctx.log.receipt(answer.receipt, `acknowledgement of notice ${n.id}`); // kept and checked
      this.refusals.delete(n.id);
      this.alert.className = 'ok';
      this.alert.textContent = `Acknowledged ${n.about} v${n.about_version} (notice ${n.id}).`;
    } catch (error) {
      const message = `Acknowledgement refused (${error.status}): ${error.message}`;
      this.refusals.set(n.id, message);
      this.alert.className = 'error';
      this.alert.textContent = message;
    }
    await this.refresh();
  }

  tick() {
    const now = this.ctx.serverNow();
    for (const el of this.list.querySelectorAll('.countdown')) {
      const left = Number(el.dataset.deadline) - now;
      el.textContent = countdown(left);
      el.classList.toggle('overdue', left < 0);
    }
  }
}
