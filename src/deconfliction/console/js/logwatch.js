// The party's watch over the server's transparency log, kept in this browser: the log's key
// (pinned on first use, as SSH pins a host key), the last tree head verified, the receipts of the
// writes made here, and the first inconsistency seen (kept as evidence until someone forgets it).
//
// Whenever a new head is seen (on load, in each write's receipt, every CHECK_EVERY_MS and on
// demand), it must be signed by the pinned key and extend the kept head: the console asks
// GET /v1/ledger/consistency?from=KEPT&to=NEW and checks the RFC 9162 proof itself
// (transparency.js). On success the newer head is kept; on failure (a bad signature, a proof that
// does not verify, fewer entries than kept, a changed log key) a red banner says so on every page
// load and the old head stays as it was. A fork shown to this party alone is caught here: the
// operator cannot sign heads that both histories extend.

import * as T from './transparency.js';
import { h, clear } from './dom.js';
import { utcSeconds } from './units.js';

// localStorage belongs to one origin (scheme, host, port): one record per server.
export const STORE_KEY = 'deconfliction.transparency.v1';
export const CHECK_EVERY_MS = 60000;
const MAX_RECEIPTS = 500;

const blank = () => ({ key: null, head: null, kept_at: null, checked_at: null, alarm: null, receipts: [] });

export function readRecord(storage = localStorage) {
  try {
    const record = JSON.parse(storage.getItem(STORE_KEY) || 'null');
    return record && typeof record === 'object' ? { ...blank(), ...record } : blank();
  } catch {
    return blank();
  }
}

const describe = (head) => (head ? `${head.tree_size} entries, root ${String(head.root_hash).slice(0, 12)}…, signed ${utcSeconds(head.timestamp_ms)}` : 'none');

export class LogWatch {
  constructor(api, { statusEl, alarmEl, onChange } = {}) {
    this.api = api;
    this.statusEl = statusEl;
    this.alarmEl = alarmEl;
    this.onChange = onChange || (() => {});
    this.queue = Promise.resolve();
    this.record = readRecord();
    this.note = '';
    this.logKey = null; // the imported pinned key
  }

  start(everyMs = CHECK_EVERY_MS) {
    if (this.statusEl) this.statusEl.addEventListener('click', () => this.check('on demand'));
    this.render();
    const first = this.check('load');
    if (everyMs) this.timer = setInterval(() => this.check('periodic'), everyMs);
    return first;
  }

  save() { localStorage.setItem(STORE_KEY, JSON.stringify(this.record)); }

  /** Check the server's current head (source: what made the check). Resolves to the outcome
   * {ok: true | false | null (not checked), message}; checks run one at a time. */
  check(source) { return this.enqueue(() => this.checkHead(null, source)); }

  /** A write's receipt: kept, and its tree head checked like any other. */
  receipt(receipt, what) {
    if (!receipt) return Promise.resolve({ ok: null, message: 'no receipt (the write logged nothing)' });
    return this.enqueue(async () => {
      this.record = readRecord();
      this.record.receipts.push({ what, at: Date.now(), receipt });
      if (this.record.receipts.length > MAX_RECEIPTS) this.record.receipts.splice(0, this.record.receipts.length - MAX_RECEIPTS);
      this.save();
      return this.checkHead(receipt.tree_head, `the receipt of ${what}`);
    });
  }

  /** The receipt's inclusion proof, with its ledger entry (GET /v1/ledger: inquiry scope): the
   * entry at the receipt's index must concern `concerns` (a predicate over the entry) and its leaf
   * must be in the signed tree. {ok, entry, message}. */
  async inclusion(receipt, concerns) {
    if (!T.available()) return { ok: null, message: 'not checked: this page is not a secure context (no WebCrypto)' };
    const logKey = await this.pinnedKey();
    if (!logKey) return { ok: null, message: 'not checked: no log key pinned yet' };
    const entries = await this.api.ledger();
    const entry = entries[receipt.leaf_index];
    if (!entry || entry.seq !== receipt.leaf_index + 1) {
      return { ok: false, entry, message: `the ledger has no entry ${receipt.leaf_index + 1}` };
    }
    if (concerns && !concerns(entry)) {
      return { ok: false, entry, message: `entry ${entry.seq} (${entry.kind}) is not about this write` };
    }
    const ok = await T.verifyReceipt(receipt, await T.ledgerLeaf(entry.hash), logKey);
    return { ok, entry, message: ok ? `entry ${entry.seq} (${entry.kind}) is in the signed log of ${receipt.tree_head.tree_size} entries`
      : `entry ${entry.seq} is NOT in the log the receipt's head was signed for` };
  }

  enqueue(task) {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  async pinnedKey() {
    if (this.logKey && this.record.key && this.logKey.publicKey === this.record.key.public_key) return this.logKey;
    if (!this.record.key) return null;
    this.logKey = await T.importLogKey(this.record.key);
    return this.logKey;
  }

  async checkHead(headJson, source) {
    if (!T.available()) {
      return this.outcome(null, 'The log is not checked: this page is not a secure context (HTTPS or a loopback address), so the browser offers no WebCrypto.');
    }
    this.record = readRecord(); // another tab of this server may have moved it
    let served;
    try {
      served = headJson ? null : await this.api.get('/v1/ledger/key');
      const seen = headJson || (await this.api.get('/v1/ledger/tree-head')).tree_head;
      if (!this.record.key) {
        served = served || await this.api.get('/v1/ledger/key');
        if (!(await T.importLogKey(served))) return this.outcome(null, 'The log is not checked: the server\'s log key is not an Ed25519 key.');
        this.record.key = { alg: served.alg, kid: served.kid, public_key: served.public_key, pinned_at: Date.now() };
        this.save();
      } else if (served && served.public_key !== this.record.key.public_key) {
        return this.alarm('key', source, seen, null, `the server's log key is now ${served.kid}, not ${this.record.key.kid} `
          + `(pinned ${utcSeconds(this.record.key.pinned_at)}): heads signed by another key prove nothing about the kept one`);
      }
      const logKey = await this.pinnedKey();
      if (!(await T.verifyTreeHead(seen, logKey))) {
        return this.alarm('signature', source, seen, null, `a tree head (${source}) is not signed by the log key pinned `
          + `${utcSeconds(this.record.key.pinned_at)}`);
      }
      const kept = this.record.head;
      if (!kept) return this.keep(seen, 'kept (first head seen from this server)');
      if (!(await T.verifyTreeHead(kept, logKey))) {
        return this.alarm('kept', source, seen, null, 'the kept head\'s own signature does not verify with the pinned key '
          + '(it was changed where this browser keeps it)');
      }
      if (seen.tree_size < kept.tree_size) {
        return this.alarm('smaller', source, seen, null, `the log now has fewer entries than the kept head: entries were removed`);
      }
      // the same size needs no proof (an empty one, and the same root)
      const proof = seen.tree_size === kept.tree_size ? []
        : (await this.api.get(`/v1/ledger/consistency?from=${kept.tree_size}&to=${seen.tree_size}`)).proof;
      if (!(await T.verifyConsistencyBetween(kept, seen, proof, logKey))) {
        return this.alarm('inconsistent', source, seen, proof,
          'the server\'s proof does not show that the new head extends the kept one: its history was rewritten or forked');
      }
      if (seen.tree_size > kept.tree_size) return this.keep(seen, `consistent with the kept head (${source})`);
      this.record.checked_at = Date.now();
      this.save();
      return this.outcome(true, `consistent with the kept head (${source})`);
    } catch (error) {
      return this.outcome(null, `The log could not be checked (${source}): ${error.status ? `${error.status} ` : ''}${error.message}`);
    }
  }

  keep(head, message) {
    this.record.head = head;
    this.record.kept_at = this.record.checked_at = Date.now();
    this.save();
    return this.outcome(true, message);
  }

  alarm(kind, source, seen, proof, reason) {
    const kept = this.record.head;
    const size = seen && Number.isSafeInteger(seen.tree_size) ? seen.tree_size : '?';
    const message = kept
      ? `The ledger shown to you is not consistent with the head kept on ${utcSeconds(this.record.kept_at)}: `
        + `size ${kept.tree_size} → ${size}: ${reason}.`
      : `The ledger's tree head cannot be trusted: ${reason}.`;
    if (!this.record.alarm) { // the first evidence is kept; later failures only count
      this.record.alarm = { kind, message, at: Date.now(), source, kept, kept_at: this.record.kept_at, seen,
        proof, key: this.record.key, repeated: 0 };
    } else {
      this.record.alarm.repeated = (this.record.alarm.repeated || 0) + 1;
      this.record.alarm.last_at = Date.now();
    }
    this.record.checked_at = Date.now();
    this.save();
    return this.outcome(false, message);
  }

  outcome(ok, message) {
    this.note = ok === null ? message : '';
    this.render();
    const result = { ok, message, head: this.record.head, alarm: this.record.alarm };
    this.onChange(result);
    return result;
  }

  /** Forget the kept head and key (after the evidence is saved): the next check starts afresh. */
  forget() {
    this.record = { ...blank(), receipts: readRecord().receipts };
    this.logKey = null;
    this.save();
    this.render();
    return this.check('after forgetting the kept head');
  }

  evidence() {
    const a = this.record.alarm;
    // `tree_head` first: `deconfliction ledger verify --export FILE --receipts DIR` reads this file
    // as the kept head, to hold against the ledger an inquiry exports.
    return { tree_head: a.kept, seen_tree_head: a.seen, consistency_proof: a.proof, log_key: a.key,
      what: a.message, kind: a.kind, detected_at: new Date(a.at).toISOString(),
      kept_at: a.kept_at ? new Date(a.kept_at).toISOString() : null, server: location.origin };
  }

  render() {
    const { head, alarm } = this.record;
    if (this.statusEl) {
      const el = this.statusEl;
      el.dataset.size = head ? String(head.tree_size) : '';
      el.dataset.root = head ? head.root_hash : '';
      el.dataset.state = alarm ? 'alarm' : this.note ? 'unchecked' : head ? 'ok' : 'none';
      el.className = `badge log ${el.dataset.state}`;
      el.textContent = alarm ? 'Log: NOT consistent'
        : head ? `Log ${head.tree_size} · ${head.root_hash.slice(0, 8)}… · ${utcSeconds(this.record.kept_at).slice(11)}`
          : 'Log: not checked';
      el.title = `${this.note ? `${this.note}\n` : ''}The last tree head of this server's transparency log verified in this browser: `
        + `${describe(head)}${this.record.kept_at ? `, kept ${utcSeconds(this.record.kept_at)}` : ''}`
        + `${this.record.checked_at ? `, last checked ${utcSeconds(this.record.checked_at)}` : ''}. Click to check the log now.`;
    }
    if (this.alarmEl) {
      this.alarmEl.hidden = !alarm;
      if (alarm) {
        clear(this.alarmEl,
          h('p', { id: 'log-alarm-text' }, h('strong', {}, alarm.message)),
          h('p', { class: 'detail' }, `Kept head: ${describe(alarm.kept)}. Seen ${utcSeconds(alarm.at)} (${alarm.source}): `
            + `${describe(alarm.seen)}.${alarm.repeated ? ` Seen again ${alarm.repeated} time(s) since.` : ''} `
            + 'The kept head stays as the evidence; tell the other parties and the inquiry.'),
          h('p', {},
            h('button', { type: 'button', id: 'log-evidence', onclick: () => this.download() }, 'Save the evidence (JSON)'), ' ',
            h('button', { type: 'button', id: 'log-forget', onclick: () => {
              // eslint-disable-next-line no-alert
              if (confirm('Forget the kept head and trust the log as the server shows it now? Save the evidence first.')) this.forget();
            } }, 'Forget the kept head…')));
      }
    }
  }

  download() {
    const blob = new Blob([JSON.stringify(this.evidence(), null, 1)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `tree-head-evidence-${location.host.replace(/[^A-Za-z0-9.-]/g, '_')}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }
}
