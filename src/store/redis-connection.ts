import { Redis, type RedisOptions } from 'ioredis';
import { type PauseStatus, stateOf } from '../domain/vocabulary.js';
import { type RedisKeys, redisKeys } from './redis-keys.js';
import { Watchers } from './watchers.js';

export interface RedisConnectionOptions {
  url: string;
  /** Key prefix; also the hash tag that keeps every key in one Cluster slot. */
  prefix?: string;
  redisOptions?: RedisOptions;
}

/**
 * What an adapter on the shared connection works with: the command client and the key builder (one
 * deployment, one hash tag); its scripts run on it (`<script>.run(context, input)`, scripts/).
 * Every Redis adapter takes this, not a client of its own.
 */
export interface RedisContext {
  readonly redis: Redis;
  readonly keys: RedisKeys;
}

/**
 * One deployment's Redis for one replica: the command client, the key builder, and a
 * subscriber that hears every replica's pause events (fanned out to watchers) and wake-ups (to the
 * job runner, through `onWake`).
 */
export class RedisConnection implements RedisContext {
  readonly keys: RedisKeys;
  readonly redis: Redis;
  /** Waiting long-polls and live pages, woken by pause events from any replica. */
  readonly watchers = new Watchers();
  private readonly subscriber: Redis;
  private readonly wakeListeners = new Set<(atMs: number) => void>();
  private readonly ready: Promise<unknown>;

  constructor(options: RedisConnectionOptions) {
    this.keys = redisKeys(options.prefix ?? 'looppause');
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.redis = new Redis(options.url, redisOptions);
    this.subscriber = new Redis(options.url, { ...redisOptions, maxRetriesPerRequest: null });
    // ioredis logs unhandled 'error' events to stderr; reconnects are its job, readiness reports outages.
    this.redis.on('error', () => {});
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.wake) return this.notifyWake(Number(message));
      const [pauseId, status] = message.split(' ');
      if (!pauseId || !status) return;
      this.watchers.notify({ pause_id: pauseId, status: stateOf(status as PauseStatus) });
      // An ending publishes no wake-up of its own: the pause.ended job it queued is due now.
      // (A creation or a counted vote publishes one too; a second wake-up costs one round.)
      this.notifyWake(Date.now());
    });
    this.ready = this.subscriber.subscribe(this.keys.events, this.keys.wake).catch(() => undefined);
  }

  /** Resolves once the subscription is live and Redis answers. */
  async connect(): Promise<void> {
    await this.ready;
    await this.redis.ping();
  }

  /** Calls `listener` with a due time whenever any replica schedules work. */
  onWake(listener: (atMs: number) => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  /** Wakes every watch (long-polls answer with the current status), then lets go of both clients. */
  async close(): Promise<void> {
    this.watchers.wakeAll();
    await Promise.allSettled([this.subscriber.quit(), this.redis.quit()]);
  }

  private notifyWake(atMs: number): void {
    if (Number.isFinite(atMs)) for (const listener of this.wakeListeners) listener(atMs);
  }
}

/**
 * The context for an adapter still built the earlier way, from a bare client and the keys' base
 * (`new RedisTaskStore(redis, keys)`); new code passes `RedisStore.connection` instead.
 */
export function legacyContext(redis: Redis, keys: Pick<RedisKeys, 'base'>): RedisContext {
  // The base is `{<prefix>}:`.
  return { redis, keys: redisKeys(keys.base.slice(1, -2)) };
}
