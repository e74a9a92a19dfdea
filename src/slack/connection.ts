import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { DEFAULT_SLACK_API_URL, missingScopeText, slackFaultText } from './errors.js';
import { REQUIRED_BOT_SCOPES } from './scopes.js';

/** How the connection to Slack stands, for the banner, the log and /readyz. */
export type SlackStatus = { state: 'connecting' } | SlackConnected | { state: 'failing'; error: string; since: string };

/** What auth.test said of the bot token. */
export interface SlackConnected {
  state: 'connected';
  /** The bot user's name and the workspace's, as auth.test gives them. */
  user: string;
  team: string;
  userId: string;
  botId?: string;
  teamId?: string;
}

/** The Socket Mode link (SLACK_APP_TOKEN), when Slack delivers events over a WebSocket. */
export interface SlackSocket {
  /** Resolves once Slack said hello on the WebSocket; rejects when it could not connect. */
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  /** Called when an established connection drops (the socket does not reconnect by itself). */
  onDisconnected(listener: () => void): void;
}

export interface SlackRetry {
  /** The wait after the first failure; doubled after each further one (± 20 %). */
  minMs: number;
  /** The longest wait between two attempts. */
  maxMs: number;
}

/** 2 s, 4 s, 8 s … up to 5 minutes between attempts, for as long as Slack cannot be reached. */
export const DEFAULT_SLACK_RETRY: SlackRetry = { minMs: 2000, maxMs: 5 * 60_000 };

/** Opening the Socket Mode WebSocket (after apps.connections.open) gives up after this long. */
const SOCKET_START_MS = 30_000;
/** close() waits this long for an attempt under way before closing the socket anyway. */
const CLOSE_WAIT_MS = 5000;

export interface SlackConnectionOptions {
  /** For auth.test: no retries of its own (the connection's backoff is the retry) and a short timeout. */
  client: WebClient;
  logger: Logger;
  apiUrl?: string | undefined;
  socket?: SlackSocket | undefined;
  retry?: SlackRetry | undefined;
}

/**
 * Reaching Slack, apart from serving everything else: the bot token is checked with auth.test (and,
 * in Socket Mode, the WebSocket opened) in the background, never failing start-up and never
 * throwing. A failure is logged once, in words an operator can act on, and tried again with a
 * bounded backoff until it works or the service closes; a dropped Socket Mode connection likewise.
 * Deliveries do not wait for it: the job runner retries a post that fails meanwhile.
 */
export class SlackConnection {
  private current: SlackStatus = { state: 'connecting' };
  /** The bot token's identity, once auth.test accepted it. */
  private identity: SlackConnected | undefined;
  private failures = 0;
  private lastLogged: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private closed = false;
  private started = false;
  private socketUp = false;
  private readonly settled: Promise<void>;
  private settle: () => void = () => {};
  private readonly listeners = new Set<(status: SlackStatus) => void>();
  private readonly apiUrl: string;
  private readonly retry: SlackRetry;

  constructor(private readonly options: SlackConnectionOptions) {
    this.apiUrl = options.apiUrl ?? DEFAULT_SLACK_API_URL;
    this.retry = options.retry ?? DEFAULT_SLACK_RETRY;
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
    options.socket?.onDisconnected(() => this.dropped());
  }

  status(): SlackStatus {
    return this.current;
  }

  /** The bot's ids once auth.test answered, for Bolt's authorize (so Bolt never calls auth.test itself). */
  botIds(): { botUserId?: string; botId?: string; teamId?: string } {
    const s = this.identity;
    if (!s) return {};
    return {
      ...(s.userId ? { botUserId: s.userId } : {}),
      ...(s.botId ? { botId: s.botId } : {}),
      ...(s.teamId ? { teamId: s.teamId } : {}),
    };
  }

  /** Called at every change of state. */
  onChange(listener: (status: SlackStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts trying in the background; resolves once the first attempt has an answer, either way. */
  start(): Promise<void> {
    if (!this.started && !this.closed) {
      this.started = true;
      this.run();
    }
    return this.settled;
  }

  /** Stops trying, and closes the Socket Mode connection. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.attempt) await waitAtMost(CLOSE_WAIT_MS, this.attempt);
    if (this.options.socket && this.socketUp) {
      this.socketUp = false;
      await this.options.socket.stop().catch(() => {});
    }
    this.settle();
  }

  private run(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.attempt = this.connect().finally(() => {
      this.attempt = undefined;
    });
  }

  private async connect(): Promise<void> {
    let token = 'SLACK_BOT_TOKEN';
    try {
      this.identity ??= await this.checkToken();
      const identity = this.identity;
      if (this.closed) return;
      const socket = this.options.socket;
      if (socket && !this.socketUp) {
        token = 'SLACK_APP_TOKEN';
        await deadline(SOCKET_START_MS, socket.start(), () => socket.stop().catch(() => {}));
        this.socketUp = true;
        if (this.closed) {
          this.socketUp = false;
          await socket.stop().catch(() => {});
          return;
        }
      }
      this.connected(identity);
    } catch (error) {
      if (this.closed) return;
      this.failed(slackFaultText(error, { apiUrl: this.apiUrl, tokenName: token }));
    } finally {
      this.settle();
    }
  }

  private async checkToken(): Promise<SlackConnected> {
    const result = await this.options.client.auth.test();
    const missing = REQUIRED_BOT_SCOPES.filter((scope) => {
      const granted = result.response_metadata?.scopes;
      return granted !== undefined && !granted.includes(scope);
    });
    if (missing.length > 0) {
      this.options.logger.warn({ missing_scopes: missing }, `Slack: ${missingScopeText(missing.join(', '))}`);
    }
    return {
      state: 'connected',
      user: result.user ?? result.user_id ?? 'unknown',
      team: result.team ?? result.team_id ?? 'unknown',
      userId: result.user_id ?? '',
      ...(result.bot_id ? { botId: result.bot_id } : {}),
      ...(result.team_id ? { teamId: result.team_id } : {}),
    };
  }

  private connected(identity: SlackConnected): void {
    const again = this.current.state === 'failing';
    this.failures = 0;
    this.lastLogged = undefined;
    this.change(identity);
    this.options.logger.info(
      { slack_user: identity.user, slack_team: identity.team },
      `Slack: connected as @${identity.user} in ${identity.team}${again ? ' (again)' : ''}`,
    );
  }

  private failed(error: string): void {
    this.failures += 1;
    const since = this.current.state === 'failing' ? this.current.since : new Date().toISOString();
    this.change({ state: 'failing', error, since });
    const waitMs = this.backoff();
    // Said once per distinct fault; the same fault again goes to debug.
    const level = this.lastLogged === error ? 'debug' : 'error';
    this.lastLogged = error;
    this.options.logger[level](
      { slack_error: error, retry_in_ms: waitMs },
      `Slack is not connected: ${error}. MCP, REST, e-mail and the dashboard keep working; trying again in the background`,
    );
    this.timer = setTimeout(() => this.run(), waitMs);
    this.timer.unref();
  }

  /** An established Socket Mode connection closed: connect again, at once the first time. */
  private dropped(): void {
    if (this.closed || !this.socketUp) return;
    this.socketUp = false;
    const error = 'the Socket Mode connection to Slack closed';
    this.change({ state: 'failing', error, since: new Date().toISOString() });
    this.options.logger.warn({ slack_error: error }, `Slack: ${error}; connecting again`);
    if (this.timer === undefined && this.attempt === undefined) this.run();
  }

  private backoff(): number {
    const base = Math.min(this.retry.maxMs, this.retry.minMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.round(Math.min(this.retry.maxMs, base * (0.8 + Math.random() * 0.4)));
  }

  private change(status: SlackStatus): void {
    this.current = status;
    for (const listener of this.listeners) listener(status);
  }
}

/** The promise, or a rejection after `ms` (running `onTimeout` first, to drop what it left open). */
function deadline<T>(ms: number, promise: Promise<T>, onTimeout: () => Promise<unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void onTimeout().finally(() => reject(new Error(`no answer within ${ms / 1000} s`)));
    }, ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function waitAtMost(ms: number, promise: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
