import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Stores } from './factory.js';
import { MemoryDelegations, type MemoryDelegationsState } from './memory-delegations.js';
import { MemoryReceiptRedemptions, type MemoryReceiptRedemptionsState } from './memory-receipt-redemptions.js';
import { MemorySessionStore, type MemorySessionsState } from './memory-sessions.js';
import { MemoryStore, type MemoryStoreState } from './memory-store.js';
import { MemoryTaskStore, type MemoryTasksState } from './memory-tasks.js';
import { MemoryWebhookStore, type MemoryWebhooksState } from './memory-webhooks.js';

/**
 * Development on the embedded store keeps its state across restarts: every memory adapter's
 * `snapshot()` goes into one file (`<devStateDir>/store.json`), written atomically (a temp file,
 * then a rename) shortly after a change and again on close, and replayed at start. A file that
 * cannot be read or does not validate is moved aside and the service starts empty, saying so;
 * nothing is ever half-loaded.
 */

export const SNAPSHOT_VERSION = 1;

/** How long after a change the snapshot is written (changes in between are written together). */
export const SNAPSHOT_DEBOUNCE_MS = 200;

export function snapshotFile(devStateDir: string): string {
  return join(devStateDir, 'store.json');
}

/** The file's contents: each memory adapter's state. */
export interface MemorySnapshot {
  version: typeof SNAPSHOT_VERSION;
  saved_at: string;
  store: MemoryStoreState;
  tasks: MemoryTasksState;
  webhooks: MemoryWebhooksState;
  sessions: MemorySessionsState;
  /** Absent in files written before receipts could be redeemed. */
  receipts?: MemoryReceiptRedemptionsState;
  /** Absent in files written before delegations. */
  delegations?: MemoryDelegationsState;
}

export interface MemoryStores extends Stores {
  store: MemoryStore;
  tasks: MemoryTaskStore;
  webhooks: MemoryWebhookStore;
  sessions: MemorySessionStore;
  receipts: MemoryReceiptRedemptions;
  delegations: MemoryDelegations;
}

export function newMemoryStores(): MemoryStores {
  return {
    store: new MemoryStore(),
    tasks: new MemoryTaskStore(),
    webhooks: new MemoryWebhookStore(),
    sessions: new MemorySessionStore(),
    receipts: new MemoryReceiptRedemptions(),
    delegations: new MemoryDelegations(),
  };
}

export function snapshotOf(stores: MemoryStores, nowMs = Date.now()): MemorySnapshot {
  return {
    version: SNAPSHOT_VERSION,
    saved_at: new Date(nowMs).toISOString(),
    store: stores.store.snapshot(),
    tasks: stores.tasks.snapshot(),
    webhooks: stores.webhooks.snapshot(),
    sessions: stores.sessions.snapshot(),
    receipts: stores.receipts.snapshot(),
    delegations: stores.delegations.snapshot(),
  };
}

/** Fresh adapters holding `snapshot` (checked first: throws on one that does not validate, before loading any of it). */
export function restoreStores(snapshot: unknown): MemoryStores {
  const valid = snapshotSchema.parse(snapshot) as unknown as MemorySnapshot;
  const stores = newMemoryStores();
  stores.store.restore(valid.store);
  stores.tasks.restore(valid.tasks);
  stores.webhooks.restore(valid.webhooks);
  stores.sessions.restore(valid.sessions);
  if (valid.receipts) stores.receipts.restore(valid.receipts);
  if (valid.delegations) stores.delegations.restore(valid.delegations);
  return stores;
}

export type LoadResult =
  | { outcome: 'empty'; stores: MemoryStores }
  | { outcome: 'restored'; stores: MemoryStores }
  | { outcome: 'corrupt'; stores: MemoryStores; movedTo: string | undefined; reason: string };

/** The stores the file holds; fresh ones when there is no file, or when it is corrupt (then moved aside). */
export function loadSnapshot(file: string, nowMs = Date.now()): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'empty', stores: newMemoryStores() };
    return corrupt(file, `cannot be read (${(error as Error).message})`, nowMs);
  }
  try {
    return { outcome: 'restored', stores: restoreStores(JSON.parse(text)) };
  } catch (error) {
    const reason =
      error instanceof z.ZodError
        ? `does not hold a store snapshot (${error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
            .join('; ')})`
        : `is not valid (${(error as Error).message})`;
    return corrupt(file, reason, nowMs);
  }
}

function corrupt(file: string, reason: string, nowMs: number): LoadResult {
  const aside = `${file}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  let movedTo: string | undefined;
  try {
    renameSync(file, aside);
    movedTo = aside;
  } catch {
    // left where it is: the next save replaces it
  }
  return { outcome: 'corrupt', stores: newMemoryStores(), movedTo, reason };
}

/** Writes `snapshot` to `file` atomically: a reader sees the old file or the new one, never part of one. */
export function writeSnapshot(file: string, snapshot: MemorySnapshot): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temp, file);
}

/**
 * The memory adapters, restored from `file`, each behind a proxy that schedules a save after any
 * call (a save writes only when the state changed); the store's `close` saves at once and stops.
 */
export function persistentMemoryStores(
  file: string,
  logger: Logger,
  debounceMs = SNAPSHOT_DEBOUNCE_MS,
): { stores: Stores; loaded: LoadResult } {
  const log = logger.child({ component: 'store', snapshot: file });
  const loaded = loadSnapshot(file);
  if (loaded.outcome === 'restored') log.info('embedded store restored from its snapshot');
  if (loaded.outcome === 'corrupt') {
    log.error(
      { moved_to: loaded.movedTo },
      `the embedded store's snapshot ${loaded.reason}; starting with an empty store${
        loaded.movedTo ? ` (the file was moved to ${loaded.movedTo})` : ''
      }`,
    );
  }
  const inner = loaded.stores;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // What was last written, without its time: a call that changed nothing writes nothing.
  const stateText = () => JSON.stringify(snapshotOf(inner, 0));
  let written = loaded.outcome === 'restored' ? stateText() : undefined;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    const text = stateText();
    if (text === written) return;
    try {
      writeSnapshot(file, snapshotOf(inner));
      written = text;
    } catch (error) {
      log.warn({ err: error }, "could not write the embedded store's snapshot; will retry on the next change");
    }
  };
  const changed = () => {
    if (closed || timer) return;
    timer = setTimeout(save, debounceMs);
    timer.unref();
  };
  const store = saving(inner.store, changed, {
    close: async () => {
      await inner.store.close();
      if (closed) return;
      closed = true;
      save();
    },
  });
  return {
    stores: {
      store,
      tasks: saving(inner.tasks, changed),
      webhooks: saving(inner.webhooks, changed),
      sessions: saving(inner.sessions, changed),
      receipts: saving(inner.receipts, changed),
      delegations: saving(inner.delegations, changed),
    },
    loaded,
  };
}

/** `target`, its methods calling `changed` after they return (or settle), and `overrides` in place of some. */
function saving<T extends object>(target: T, changed: () => void, overrides: Record<string, unknown> = {}): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      if (prop in overrides) return overrides[prop as string];
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== 'function') return value;
      let method = wrapped.get(prop);
      if (!method) {
        method = (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(t, args);
          if (result instanceof Promise) result.finally(changed).catch(() => {});
          else changed();
          return result;
        };
        wrapped.set(prop, method);
      }
      return method;
    },
  });
}

// The file is checked in its shape (every map, index and record a read relies on), then loaded.
const pair = <K extends z.ZodType, V extends z.ZodType>(key: K, value: V) => z.tuple([key, value]);
const position = z.object({ score: z.number(), id: z.string() });
const anchor = z.object({ seq: z.number(), hash: z.string() });
const pause = z.looseObject({
  pause_id: z.string(),
  agent_id: z.string(),
  status: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  request: z.looseObject({}),
  delivery: z.looseObject({}),
});
const job = z.looseObject({
  id: z.string(),
  kind: z.string(),
  data: z.looseObject({}),
  run_at: z.number(),
  attempts: z.number(),
});
const dueIndex = z.object({
  heap: z.array(z.object({ at: z.number(), key: z.string() })),
  current: z.array(pair(z.string(), z.number())),
});
const expiring = z.object({ value: z.looseObject({}), until: z.number() });

const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  saved_at: z.string().optional(),
  store: z.object({
    pauses: z.array(pause),
    idempotency: z.array(pair(z.string(), z.object({ pauseId: z.string(), requestDigest: z.string() }))),
    idempotencyKeyOf: z.array(pair(z.string(), z.string())),
    joins: z.array(pair(z.string(), z.string())).optional(),
    joinKeyOf: z.array(pair(z.string(), z.string())).optional(),
    jobs: z.object({ jobs: z.array(job), queue: dueIndex }),
    stepJobs: z.array(pair(z.string(), z.array(z.string()))),
    tokens: z.array(pair(z.string(), z.object({ token: z.looseObject({}), expiresAtMs: z.number() }))),
    expiries: dueIndex,
    purges: dueIndex,
    tokenExpiries: dueIndex,
    apiKeys: z.array(z.looseObject({ name: z.string(), hash: z.string() })),
    rateLimits: z.array(pair(z.string(), z.object({ window: z.number(), hits: z.number() }))),
    audit: z.object({
      entries: z.array(z.object({ seq: z.number(), atMs: z.number(), body: z.string(), prev: z.string() })),
      seq: z.number(),
      head: anchor,
      anchor,
      timelines: z.array(pair(z.string(), z.array(z.number()))),
    }),
    order: z.array(position),
    waiting: z.array(pair(z.string(), z.array(position))),
  }),
  tasks: z.object({
    byId: z.array(
      pair(
        z.string(),
        z.object({
          task: z.looseObject({ task_id: z.string(), agent_id: z.string(), created_at: z.string() }),
          score: z.number(),
          retainUntilMs: z.number(),
        }),
      ),
    ),
    byAgent: z.array(pair(z.string(), z.array(z.string()))),
  }),
  webhooks: z.object({
    endpoints: z.array(z.looseObject({ id: z.string(), created_at: z.string() })),
    events: z.array(pair(z.string(), z.object({ event: z.looseObject({ id: z.string() }), until: z.number() }))),
    pending: z.array(pair(z.string(), z.number())),
    deadLetters: z.array(pair(z.string(), z.looseObject({ endpoint_id: z.string() }))),
  }),
  sessions: z.object({
    tokens: z.array(pair(z.string(), expiring)),
    sessions: z.array(pair(z.string(), expiring)),
    latestNowMs: z.number().nullable(),
  }),
  receipts: z
    .object({
      redeemed: z.array(
        pair(
          z.string(),
          z.object({ value: z.object({ pause_id: z.string(), redeemed_at: z.number() }), until: z.number() }),
        ),
      ),
    })
    .optional(),
  delegations: z
    .object({
      delegations: z.array(
        z.object({ absent: z.string(), delegate: z.string(), from: z.string(), until: z.string(), set_by: z.string() }),
      ),
    })
    .optional(),
});
