// The console's only way out: same-origin requests to this server's /v1 and /console.

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class Api {
  constructor(token) { this.token = token; }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async request(method, path, body) {
    const init = { method, headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(path, init);
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { message: text }; }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  put(path, body) { return this.request('PUT', path, body); }

  async ledger() {
    const response = await fetch('/v1/ledger', { headers: this.headers() });
    const text = await response.text();
    if (!response.ok) {
      let parsed = null;
      try { parsed = JSON.parse(text); } catch { parsed = { message: text }; }
      throw new ApiError(response.status, parsed);
    }
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  /** The party's event stream (Server-Sent Events over fetch, which can send the token in a
   * header, unlike EventSource), resumed from the last id after a break. Returns a stop function. */
  events(onEvent, onStatus) {
    let last = 0, stopped = false, controller = null;
    const run = async () => {
      while (!stopped) {
        controller = new AbortController();
        try {
          const response = await fetch('/v1/events', {
            headers: this.headers({ Accept: 'text/event-stream', 'Last-Event-ID': String(last) }),
            signal: controller.signal, cache: 'no-store',
          });
          if (!response.ok) throw new ApiError(response.status, null);
          onStatus('live');
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const message = { id: null, event: 'message', data: '' };
              for (const line of block.split('\n')) {
                if (line.startsWith('id: ')) message.id = line.slice(4);
                else if (line.startsWith('event: ')) message.event = line.slice(7);
                else if (line.startsWith('data: ')) message.data += line.slice(6);
              }
              if (!message.data) continue;
              if (message.id) last = Number(message.id);
              onEvent(message.event, JSON.parse(message.data));
            }
          }
        } catch (error) {
          if (stopped) return;
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            onStatus('refused'); return;
          }
        }
        if (stopped) return;
        onStatus('reconnecting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    run();
    return () => { stopped = true; if (controller) controller.abort(); };
  }
}

export async function consoleConfig() {
  const response = await fetch('/console/config.json', { cache: 'no-store' });
  return response.json();
}

export async function localToken(party, scopes) {
  const response = await fetch('/console/local-token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ party, scopes }),
  });
  const body = await response.json();
  if (!response.ok) throw new ApiError(response.status, body);
  return body.token;
}

/** The `sub` and scopes a token names (read only to label the page; the server verifies it). */
export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}
