// Inquiry view (inquiry scope): the ledger as a timeline, filterable by party and declaration,
// with the server's verification of the hash chain.

import { h, clear } from './dom.js';
import { utcSeconds } from './units.js';

/** The declarations a ledger entry concerns (its payload's ids). */
export function declarationsOf(e) {
  const p = e.payload || {};
  const ids = new Set();
  for (const k of ['id', 'about', 'declaration', 'a', 'b', 'operation', 'notice_of']) if (typeof p[k] === 'string') ids.add(p[k]);
  for (const d of p.declarations || []) if (d && d.id) ids.add(d.id);
  return ids;
}

function partiesOf(e) {
  const p = e.payload || {};
  const parties = new Set([e.actor]);
  for (const k of ['party', 'to']) if (typeof p[k] === 'string') parties.add(p[k]);
  for (const x of p.parties || []) parties.add(x);
  return parties;
}

function summary(e) {
  const p = e.payload || {};
  switch (e.kind) {
    case 'declared': case 'revised': return `${p.id} v${p.version} (${p.kind}) by ${p.party}`;
    case 'conflict_detected': return `${p.a} × ${p.b}`;
    case 'notice_sent': case 'notice_superseded': case 'escalated': case 'notice_delivered':
      return `notice ${p.notice} to ${p.to}${p.about ? ` about ${p.about} v${p.version}` : ''}${p.via ? ` via ${p.via}` : ''}`;
    case 'acknowledged': return `${p.to} read back ${p.about} v${p.read_back_version}`;
    case 'acknowledgement_refused': return `${p.declaration} v${p.version} refused: ${p.reason}`;
    case 'late_notice': return `${p.declaration} v${p.version}: ${p.notice_s} s given, ${p.required_s} s required`;
    case 'withdrawn': return `${p.id} v${p.version}`;
    default: return Object.entries(p).filter(([, v]) => typeof v !== 'object').slice(0, 4).map(([k, v]) => `${k}=${v}`).join(' ');
  }
}

export class InquiryPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.panel = document.getElementById('panel-inquiry');
    this.entries = [];
    this.status = h('div', { id: 'verification', role: 'status' }, 'Not loaded.');
    this.party = h('select', { id: 'q-party', onchange: () => this.render() });
    this.declaration = h('select', { id: 'q-declaration', onchange: () => this.render() });
    this.list = h('ol', { class: 'timeline', id: 'ledger-timeline' });
    this.countEl = h('p', { class: 'hint', id: 'ledger-count' });
    clear(this.panel,
      h('h3', {}, 'Ledger verification'), this.status,
      h('p', {}, h('button', { type: 'button', id: 'ledger-reload', onclick: () => this.load() }, 'Reload the ledger')),
      h('h3', {}, 'Timeline'),
      h('div', { class: 'filters' }, h('label', { for: 'q-party' }, 'Party'), this.party,
        h('label', { for: 'q-declaration' }, 'Declaration'), this.declaration),
      this.countEl, this.list);
  }

  async load() {
    const [entries, verification] = await Promise.all([this.ctx.api.ledger(), this.ctx.api.get('/v1/ledger/verification')]);
    this.entries = entries;
    clear(this.status, verification.ok
      ? h('p', { class: 'ok', 'data-ok': 'true' }, `Verified: ${verification.entries} entries, head ${verification.head.slice(0, 16)}…`)
      : h('p', { class: 'error', 'data-ok': 'false' }, `BROKEN at entry ${verification.first_bad_seq}: ${verification.reason}`));
    const parties = new Set(), declarations = new Set();
    for (const e of entries) { partiesOf(e).forEach((p) => parties.add(p)); declarationsOf(e).forEach((d) => declarations.add(d)); }
    const keep = (sel) => sel.value;
    const [pv, dv] = [keep(this.party), keep(this.declaration)];
    clear(this.party, h('option', { value: '' }, 'all'), [...parties].sort().map((p) => h('option', { value: p }, p)));
    clear(this.declaration, h('option', { value: '' }, 'all'), [...declarations].sort().map((d) => h('option', { value: d }, d)));
    this.party.value = pv; this.declaration.value = dv;
    this.render();
  }

  render() {
    const party = this.party.value, declaration = this.declaration.value;
    const shown = this.entries.filter((e) => (!party || partiesOf(e).has(party)) && (!declaration || declarationsOf(e).has(declaration)));
    this.countEl.textContent = `${shown.length} of ${this.entries.length} entries`;
    clear(this.list, shown.slice(-500).reverse().map((e) => h('li', { class: `k-${e.kind}`, 'data-seq': e.seq, 'data-kind': e.kind },
      h('span', { class: 'seq' }, `#${e.seq} `), h('time', {}, utcSeconds(e.at_s * 1000)), ' ',
      h('strong', {}, e.kind), ` by ${e.actor}: `, summary(e))));
  }
}
