import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { newMemoryStores, persistentMemoryStores } from './memory-snapshot.js';
import type { DelegationStore } from './ports/delegations.js';
import type { ReceiptRedemptions } from './ports/receipt-redemptions.js';
import type { DashboardSessions } from './ports/sessions.js';
import type { TaskStore } from './ports/tasks.js';
import type { WebhookStore } from './ports/webhooks.js';
import { RedisDelegations } from './redis-delegations.js';
import { RedisReceiptRedemptions } from './redis-receipt-redemptions.js';
import { RedisSessionStore } from './redis-sessions.js';
import { RedisStore } from './redis-store.js';
import { RedisTaskStore } from './redis-tasks.js';
import { RedisWebhookStore } from './redis-webhooks.js';
import type { Store } from './store.js';

/** Every store port's adapter, all of one kind: the one place that chooses memory or Redis. */
export interface Stores {
  /** Pauses, jobs, events, tokens, API keys, rate limits, the audit log, lifecycle. */
  store: Store;
  /** MCP task records. */
  tasks: TaskStore;
  /** The webhook registry and delivery state. */
  webhooks: WebhookStore;
  /** Dashboard sign-in links and sessions. */
  sessions: DashboardSessions;
  /** Redeemed decision receipts (single use). */
  receipts: ReceiptRedemptions;
  /** Away approvers and who decides for them. */
  delegations: DelegationStore;
}

/** Where the embedded store keeps its state across restarts (development; see memory-snapshot.ts). */
export interface MemorySnapshotOptions {
  file: string;
  logger: Logger;
}

/**
 * Redis when the config names one (connected before this returns), else the embedded memory
 * adapters: kept in `snapshot.file` across restarts when given, in memory only when not.
 */
export async function createStores(redis: Config['redis'], snapshot?: MemorySnapshotOptions): Promise<Stores> {
  if (redis === undefined) {
    return snapshot ? persistentMemoryStores(snapshot.file, snapshot.logger).stores : newMemoryStores();
  }
  const store = new RedisStore({
    url: redis.url,
    prefix: redis.prefix,
    topology: redis.topology,
    minReplicas: redis.minReplicas,
  });
  await store.connect();
  return {
    store,
    tasks: new RedisTaskStore(store.connection),
    webhooks: new RedisWebhookStore(store.connection),
    sessions: new RedisSessionStore(store.connection),
    receipts: new RedisReceiptRedemptions(store.connection),
    delegations: new RedisDelegations(store.connection),
  };
}
