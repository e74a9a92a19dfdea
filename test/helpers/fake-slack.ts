import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One recorded call: a Web API method (`chat.postMessage`), or `response_url` for a respond(). */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  /** The Authorization header carried the bot token. */
  authorized: boolean;
  /** For `response_url` calls: the path that was posted to. */
  path: string;
  /** When the call arrived (ms since the epoch). */
  at: number;
}

interface Override {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  times: number;
  /** Answer nothing at all (a hung connection), so the client's timeout fires. */
  hang?: boolean;
}

/**
 * A fake Slack Web API on a local port, reached by the real `@slack/web-api` client through
 * SLACK_API_URL. Like Slack it takes application/x-www-form-urlencoded (nested arguments such as
 * `blocks` JSON-encoded) or JSON, answers HTTP 200 with `{ok: true, …}` or `{ok: false, error}`,
 * and 429 with Retry-After when rate limiting. It also takes Bolt's respond() POSTs at
 * `/response/…` (the response_url it hands out).
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** user id → e-mail, answered by users.info (and users.lookupByEmail, the other way). */
  readonly emails = new Map<string, string>();
  /** channel id → member ids, answered by conversations.members; another channel is `channel_not_found`. */
  readonly members = new Map<string, string[]>();
  /** The most members one conversations.members page holds, whatever limit the caller asks. */
  membersPageSize = 100;
  private readonly overrides = new Map<string, Override[]>();
  private server: Server | undefined;
  private seq = 0;
  url = '';

  constructor(private readonly token = 'xoxb-test') {}

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/response/${id}`;
  }

  /** On a free port, or on `port` (a Slack that comes up where the service was already told to look). */
  async start(listenOn = 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(listenOn, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls of `method` answer `{ok: false, error}` (and `extra`, such as missing_scope's `needed`). */
  failWith(method: string, error: string, times = Number.POSITIVE_INFINITY, extra: Record<string, unknown> = {}): void {
    this.push(method, { status: 200, headers: {}, body: { ok: false, error, ...extra }, times });
  }

  /** The next `times` calls of `method` answer `{ok: true, ...body}`, whoever calls (an app-level token, say). */
  answerWith(method: string, body: Record<string, unknown>, times = Number.POSITIVE_INFINITY): void {
    this.push(method, { status: 200, headers: {}, body: { ok: true, ...body }, times });
  }

  /** The next `times` calls of `method` answer HTTP 429 with Retry-After. */
  rateLimit(method: string, retryAfterSeconds: number, times = Number.POSITIVE_INFINITY): void {
    this.push(method, {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
      body: { ok: false, error: 'ratelimited' },
      times,
    });
  }

  /** The next `times` calls of `method` answer an HTTP error (Slack's 500s, 503s). */
  failHttp(method: string, status: number, times = Number.POSITIVE_INFINITY): void {
    this.push(method, { status, headers: {}, body: { ok: false, error: 'internal_error' }, times });
  }

  /** The next `times` calls of `method` never get an answer (until the client gives up). */
  hang(method: string, times = Number.POSITIVE_INFINITY): void {
    this.push(method, { status: 0, headers: {}, body: {}, times, hang: true });
  }

  clearFailures(): void {
    this.overrides.clear();
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Polls the recorded calls until `count` match, or fails after `timeoutMs`. */
  async waitFor(
    predicate: string | ((call: SlackCall) => boolean),
    options: { count?: number; timeoutMs?: number } = {},
  ): Promise<SlackCall[]> {
    const match = typeof predicate === 'string' ? (c: SlackCall) => c.method === predicate : predicate;
    const count = options.count ?? 1;
    const deadline = Date.now() + (options.timeoutMs ?? 8000);
    for (;;) {
      const found = this.calls.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        // Each call's method, and what it said where it said something (ephemerals, posts).
        const seen = this.calls
          .map((c) =>
            typeof c.body?.text === 'string' ? `${c.method} ${JSON.stringify(c.body.text.slice(0, 80))}` : c.method,
          )
          .join(', ');
        throw new Error(`fake Slack: expected ${count} matching call(s), got ${found.length}; calls: [${seen}]`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private push(method: string, override: Override): void {
    this.overrides.set(method, [...(this.overrides.get(method) ?? []), override]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = parseBody(raw, req.headers['content-type'] ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorized = req.headers.authorization === `Bearer ${this.token}` || body.token === this.token;
    if (path.startsWith('/response/')) {
      this.calls.push({ method: 'response_url', body, authorized: true, path, at: Date.now() });
      send(res, 200, {}, { ok: true });
      return;
    }
    const method = path.replace(/^\/api\//, '');
    this.calls.push({ method, body, authorized, path, at: Date.now() });
    const queue = this.overrides.get(method);
    const override = queue?.[0];
    if (queue && override) {
      override.times -= 1;
      if (override.times <= 0) queue.shift();
      if (override.hang) return; // the socket stays open and silent; close() ends it
      send(res, override.status, override.headers, override.body);
      return;
    }
    if (!authorized) {
      send(res, 200, {}, { ok: false, error: 'not_authed' });
      return;
    }
    send(res, 200, {}, this.answer(method, body));
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'looppause',
          team_id: 'T0FAKE',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        };
      case 'chat.postMessage': {
        this.seq += 1;
        const ts = `${1_700_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
        return { ok: true, channel: channelIdFor(String(body.channel)), ts, message: { text: body.text, ts } };
      }
      case 'chat.update':
        return { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1_700_000_000}.000001` };
      case 'users.info': {
        const id = String(body.user);
        const email = this.emails.get(id);
        return { ok: true, user: { id, name: id.toLowerCase(), profile: email ? { email } : {} } };
      }
      case 'users.lookupByEmail': {
        const email = String(body.email).toLowerCase();
        const id = [...this.emails].find(([, e]) => e.toLowerCase() === email)?.[0];
        return id ? { ok: true, user: { id, profile: { email } } } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.members':
        return this.membersPage(body);
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: 'V0FAKE', ...(body.view as object) } };
      default:
        return { ok: true };
    }
  }

  /** Like Slack: an opaque cursor in response_metadata.next_cursor, empty on the last page. */
  private membersPage(body: Record<string, unknown>): Record<string, unknown> {
    const all = this.members.get(String(body.channel));
    if (!all) return { ok: false, error: 'channel_not_found' };
    const start = body.cursor
      ? Number(Buffer.from(String(body.cursor), 'base64url').toString().slice('offset:'.length))
      : 0;
    const end = start + Math.min(Number(body.limit) || 100, this.membersPageSize);
    const next = end < all.length ? Buffer.from(`offset:${end}`).toString('base64url') : '';
    return { ok: true, members: all.slice(start, end), response_metadata: { next_cursor: next } };
  }
}

/** `#name` → a stable C… id; a user id → a D… DM id, as Slack answers chat.postMessage. */
export function channelIdFor(target: string): string {
  if (/^[UW]/.test(target)) return `D${target.slice(1)}`;
  if (target.startsWith('#')) {
    let hash = 0;
    for (const ch of target) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return `C${hash.toString(36).toUpperCase().padStart(8, '0')}`;
  }
  return target;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form fields whose value is JSON (blocks, view …) are decoded, as Slack does. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const looksJson = /^[[{]/.test(value);
    try {
      body[key] = looksJson ? JSON.parse(value) : value;
    } catch {
      body[key] = value;
    }
  }
  return body;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
