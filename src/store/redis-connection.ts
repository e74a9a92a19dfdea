import type { Redis, RedisOptions } from 'ioredis';
import { type PauseStatus, stateOf } from '../domain/vocabulary.js';
import type { RedisTopology } from '../lib/redis-topology.js';
import { createRedisClient, type RedisClient, topologyOf } from './redis-clients.js';
import { type RedisKeys, redisKeys } from './redis-keys.js';
import { Watchers } from './watchers.js';

export interface RedisConnectionOptions {
  /** One server, a Sentinel set or a Cluster (redis-topology.ts); `topology` when already parsed. */
  url: string;
  topology?: RedisTopology;
  /** Key prefix; also the hash tag that keeps every key in one Cluster slot. */
  prefix?: string;
  /**
   * Replicas that must hold a decision before it is acknowledged (WAIT after each deciding
   * script, lua-scripts.ts); 0 does not wait.
   */
  minReplicas?: number;
  /** How long to wait for them before answering `unavailable`; 1000 ms when not given. */
  replicaTimeoutMs?: number;
  redisOptions?: RedisOptions;
}

/** How many replicas must acknowledge a decision, and for how long to wait for them. */
export interface Durability {
  replicas: number;
  timeoutMs: number;
}

/**
 * What an adapter on the shared connection works with: the command client and the key builder (one
 * deployment, one hash tag); its scripts run on it (`<script>.run(context, input)`, scripts/).
 * Every Redis adapter takes this, not a client of its own.
 */
export interface RedisContext {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  /** Absent or 0 replicas: deciding scripts do not wait for replicas. */
  readonly durability?: Durability;
  /**
   * How many times the command client has connected (one server or Sentinel; a Cluster's node
   * connections never reconnect): a WAIT is good only on the connection its write went over.
   */
  connectionEpoch?(): number;
}

/**
 * One deployment's Redis for one replica: the command client, the key builder, and a
 * subscriber that hears every replica's pause events (fanned out to watchers) and wake-ups (to the
 * job runner, through `onWake`).
 */
export class RedisConnection implements RedisContext {
  readonly keys: RedisKeys;
  readonly redis: RedisClient;
  readonly durability: Durability;
  readonly topology: RedisTopology;
  /** Waiting long-polls and live pages, woken by pause events from any replica. */
  readonly watchers = new Watchers();
  private readonly subscriber: RedisClient;
  private readonly wakeListeners = new Set<(atMs: number) => void>();
  private readonly ready: Promise<unknown>;
  private connections = 0;

  constructor(options: RedisConnectionOptions) {
    this.keys = redisKeys(options.prefix ?? 'looppause');
    this.topology = options.topology ?? topologyOf(options.url);
    this.durability = { replicas: options.minReplicas ?? 0, timeoutMs: options.replicaTimeoutMs ?? 1000 };
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.redis = createRedisClient(this.topology, redisOptions);
    // On a Cluster this is classic SUBSCRIBE on any one node: a PUBLISH on any node reaches every
    // node's subscribers over the cluster bus (README, Redis high availability).
    this.subscriber = createRedisClient(this.topology, { ...redisOptions, maxRetriesPerRequest: null });
    // ioredis logs unhandled 'error' events to stderr; reconnects are its job, readiness reports outages.
    this.redis.on('error', () => {});
    this.redis.on('ready', () => {
      this.connections += 1;
    });
    this.subscriber.on('error', () => {});
    // Events published while the subscriber was away (a failover, a restart) were missed: once it is
    // subscribed again, every waiting long-poll reads its pause afresh and the job runner looks again.
    let subscribedOnce = false;
    const resubscribed = () => {
      if (!subscribedOnce) return;
      this.watchers.wakeAll();
      this.notifyWake(Date.now());
    };
    this.subscriber.on('ready', resubscribed);
    // A Cluster client picks a new node for its subscription by itself when one goes; it says so as '-node'.
    this.subscriber.on('-node', () => setTimeout(resubscribed, 200).unref());
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.wake) return this.notifyWake(Number(message));
      const [pauseId, status] = message.split(' ');
      if (!pauseId || !status) return;
      this.watchers.notify({ pause_id: pauseId, status: stateOf(status as PauseStatus) });
      // An ending publishes no wake-up of its own: the pause.ended job it queued is due now.
      // (A creation or a counted vote publishes one too; a second wake-up costs one round.)
      this.notifyWake(Date.now());
    });
    this.ready = this.subscriber
      .subscribe(this.keys.events, this.keys.wake)
      .then(() => {
        subscribedOnce = true;
      })
      .catch(() => undefined);
  }

  /** Resolves once the subscription is live and Redis answers. */
  async connect(): Promise<void> {
    await this.ready;
    await this.redis.ping();
  }

  connectionEpoch(): number {
    return this.connections;
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
    // QUIT leaves a Sentinel client's failover detector (its own connections to the sentinels)
    // running; disconnect() stops it too.
    this.subscriber.disconnect();
    this.redis.disconnect();
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
