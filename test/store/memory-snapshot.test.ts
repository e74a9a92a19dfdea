import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { decidersOf } from '../../src/domain/approvals/index.js';
import type { Pause } from '../../src/domain/pause.js';
import {
  type MemoryStores,
  newMemoryStores,
  persistentMemoryStores,
  restoreStores,
  snapshotOf,
} from '../../src/store/memory-snapshot.js';
import type { Store } from '../../src/store/store.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';
import { storeConformance } from './conformance/index.js';

const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'memory-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

// The persisting proxies change nothing the Store contract says.
storeConformance({
  name: 'memory, persisted to a snapshot file',
  create: async () =>
    persistentMemoryStores(join(dir, `conformance-${++files}.json`), pino({ level: 'silent' })).stores.store as Store,
  dispose: (store) => store.close(),
});

const T0 = Date.now();
const MINUTE = 60_000;

type Op =
  | { op: 'create'; at: number; timeout: number; email: boolean; key: number | null; steps: boolean }
  | { op: 'decide'; pick: number; at: number }
  | { op: 'cancel'; pick: number; at: number }
  | { op: 'sweep'; at: number }
  | { op: 'token'; pick: number; hash: number; ttl: number }
  | { op: 'apiKey'; name: number; admin: boolean }
  | { op: 'revoke'; name: number }
  | { op: 'job'; id: number; at: number }
  | { op: 'claim'; at: number }
  | { op: 'complete'; id: number }
  | { op: 'reschedule'; id: number; at: number }
  | { op: 'audit'; pick: number; at: number }
  | { op: 'trim'; at: number }
  | { op: 'rate'; subject: number; at: number }
  | { op: 'session'; id: number; at: number }
  | { op: 'signIn'; id: number; ttl: number }
  | { op: 'takeSignIn'; id: number; at: number }
  | { op: 'task'; id: number; pick: number; retain: number }
  | { op: 'endpoint'; id: number }
  | { op: 'delivery'; id: number; fail: boolean }
  | { op: 'deadLetter'; endpoint: number; event: number };

const small = fc.integer({ min: 0, max: 5 });
const minutes = fc.integer({ min: -30, max: 180 }).map((m) => T0 + m * MINUTE);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('create' as const),
    at: minutes,
    timeout: fc.integer({ min: 1, max: 120 }).map((m) => m * MINUTE),
    email: fc.boolean(),
    key: fc.option(small),
    steps: fc.boolean(),
  }),
  fc.record({ op: fc.constant('decide' as const), pick: small, at: minutes }),
  fc.record({ op: fc.constant('cancel' as const), pick: small, at: minutes }),
  fc.record({ op: fc.constant('sweep' as const), at: minutes }),
  fc.record({ op: fc.constant('token' as const), pick: small, hash: small, ttl: fc.integer({ min: -60, max: 600 }) }),
  fc.record({ op: fc.constant('apiKey' as const), name: small, admin: fc.boolean() }),
  fc.record({ op: fc.constant('revoke' as const), name: small }),
  fc.record({ op: fc.constant('job' as const), id: small, at: minutes }),
  fc.record({ op: fc.constant('claim' as const), at: minutes }),
  fc.record({ op: fc.constant('complete' as const), id: small }),
  fc.record({ op: fc.constant('reschedule' as const), id: small, at: minutes }),
  fc.record({ op: fc.constant('audit' as const), pick: small, at: minutes }),
  fc.record({ op: fc.constant('trim' as const), at: minutes }),
  fc.record({ op: fc.constant('rate' as const), subject: small, at: minutes }),
  fc.record({ op: fc.constant('session' as const), id: small, at: minutes }),
  fc.record({ op: fc.constant('signIn' as const), id: small, ttl: fc.integer({ min: -60, max: 60 }) }),
  fc.record({ op: fc.constant('takeSignIn' as const), id: small, at: minutes }),
  fc.record({ op: fc.constant('task' as const), id: small, pick: small, retain: fc.integer({ min: -60, max: 60 }) }),
  fc.record({ op: fc.constant('endpoint' as const), id: small }),
  fc.record({ op: fc.constant('delivery' as const), id: small, fail: fc.boolean() }),
  fc.record({ op: fc.constant('deadLetter' as const), endpoint: small, event: small }),
);

/** What the ops made, to read back. */
interface Made {
  pauses: Pause[];
}

/** What an op made that is random (a pause id, a nonce), made once: the same op applied to a copy does the same. */
const once = new WeakMap<Op, unknown>();
function made1<T>(o: Op, make: () => T): T {
  if (!once.has(o)) once.set(o, make());
  return once.get(o) as T;
}

async function apply(s: MemoryStores, made: Made, o: Op): Promise<unknown> {
  const pick = (i: number) => made.pauses[i % Math.max(1, made.pauses.length)];
  switch (o.op) {
    case 'create': {
      const fresh = !once.has(o);
      const pause = made1(o, () =>
        pauseAt(
          o.at,
          o.email ? { request: { ...pauseAt(o.at).request, recipient_email: 'Ops@Example.com' } } : {},
          o.timeout,
        ),
      );
      if (fresh) made.pauses.push(pause);
      const jobs = o.steps
        ? [
            {
              id: `remind:${pause.pause_id}`,
              kind: 'pause.remind',
              data: { pause_id: pause.pause_id },
              run_at: o.at + MINUTE,
            },
          ]
        : [];
      return s.store.createPause({
        pause,
        ...(o.key === null ? {} : { idempotency: { key: `k${o.key}`, requestDigest: String(o.timeout % 2) } }),
        jobs: jobs as never,
      });
    }
    case 'decide': {
      const pause = pick(o.pick);
      return pause
        ? s.store.endByPolicy(
            pause.pause_id,
            made1(o, () => responseFor(pause)),
            o.at,
          )
        : undefined;
    }
    case 'cancel': {
      const pause = pick(o.pick);
      return pause ? s.store.cancel(pause.pause_id, 'no', o.at) : undefined;
    }
    case 'sweep':
      return s.store.sweepExpired(o.at, 3);
    case 'token': {
      const pause = pick(o.pick);
      if (!pause) return undefined;
      return s.store.putDecisionToken(
        `t${o.hash}`,
        { pause_id: pause.pause_id, recipient: 'ops@example.com' },
        Date.now() + o.ttl * MINUTE,
      );
    }
    case 'apiKey':
      return s.store.createApiKey({
        name: `key-${o.name}`,
        hash: `h${o.name}`,
        created_at: new Date(T0).toISOString(),
        admin: o.admin,
      });
    case 'revoke':
      return s.store.revokeApiKey(`key-${o.name}`);
    case 'job':
      return s.store.enqueueJob({
        id: `job-${o.id}`,
        kind: 'pause.ended',
        data: { pause_id: `p${o.id}` },
        run_at: o.at,
      } as never);
    case 'claim':
      return s.store.claimDueJobs(o.at, MINUTE, 2);
    case 'complete':
      return s.store.completeJob(`job-${o.id}`);
    case 'reschedule':
      return s.store.rescheduleJob(`job-${o.id}`, o.at);
    case 'audit':
      return s.store.appendAudit(
        { type: 'pause.delivered', pause_id: pick(o.pick)?.pause_id, actor: 'system', data: { n: o.pick } } as never,
        o.at,
      );
    case 'trim':
      return s.store.trimAudit(o.at, 2);
    case 'rate':
      return s.store.hitRateLimit(`agent-${o.subject}`, 3, MINUTE, o.at);
    case 'session':
      return o.id % 2 === 0
        ? s.sessions.putSession(
            `s${o.id}`,
            { email: 'ada@example.com', csrf: 'c', created_at: o.at },
            10 * MINUTE,
            o.at,
          )
        : s.sessions.touchSession(`s${o.id - 1}`, 10 * MINUTE, o.at);
    case 'signIn':
      return s.sessions.putSignInToken(`l${o.id}`, { email: 'ada@example.com' }, T0 + o.ttl * MINUTE);
    case 'takeSignIn':
      return s.sessions.takeSignInToken(`l${o.id}`, o.at);
    case 'task': {
      const pause = pick(o.pick);
      if (!pause) return undefined;
      return s.tasks.createTask(
        { task_id: `task-${o.id}`, pause_id: pause.pause_id, agent_id: 'agent-a', created_at: pause.created_at },
        Date.now() + o.retain * MINUTE,
      );
    }
    case 'endpoint':
      return s.webhooks.addEndpoint({
        id: `ep${o.id}`,
        url: 'https://hooks.example.com/',
        events: ['pause.created'],
        secret: 'whsec',
        enabled: o.id % 2 === 0,
        created_by: 'cli',
        created_at: new Date(T0 + o.id).toISOString(),
      });
    case 'delivery':
      return o.fail ? s.webhooks.countFailure(`d${o.id}`) : s.webhooks.addPending([`d${o.id}`]);
    case 'deadLetter':
      return s.webhooks.addDeadLetter({
        endpoint_id: `ep${o.endpoint}`,
        event: { id: `ev${o.event}`, type: 'pause.created', pause_id: 'p', body: '{}' },
        failed_at: new Date(T0).toISOString(),
        attempts: 3,
        last_error: 'HTTP 500',
      });
  }
}

/** Every read the ports offer, over everything the ops touched (reads that write are last). */
async function reads(s: MemoryStores, made: Made): Promise<unknown> {
  const ids = made.pauses.map((p) => p.pause_id);
  const deciders = [...new Set(made.pauses.flatMap((p) => decidersOf(p)))];
  const range = [0, 1, 2, 3, 4, 5];
  return {
    pauses: await Promise.all(ids.map((id) => s.store.getPause(id))),
    list: await s.store.listPauses({ limit: 3 }),
    pending: await s.store.listPauses({ limit: 100, status: 'pending' }),
    waiting: await Promise.all(deciders.map((d) => s.store.listWaiting({ deciders: [d], limit: 100 }))),
    audit: await s.store.readAudit({ limit: 1000 }),
    timelines: await Promise.all(ids.map((id) => s.store.pauseTimeline(id))),
    head: await s.store.auditHead(),
    anchor: await s.store.auditAnchor(),
    wake: await s.store.nextWakeAt(),
    tokens: await Promise.all(range.map((i) => s.store.getDecisionToken(`t${i}`))),
    keys: await s.store.listApiKeys(),
    found: await Promise.all(range.map((i) => s.store.findApiKey(`h${i}`))),
    tasks: await s.tasks.listTasks({ agentId: 'agent-a', limit: 100 }),
    endpoints: await s.webhooks.listEndpoints(),
    deadLetters: await s.webhooks.listDeadLetters(),
    pendingDeliveries: await s.webhooks.pendingCount(),
    failures: await Promise.all(range.map((i) => s.webhooks.countFailure(`d${i}`))),
    rates: await Promise.all(range.map((i) => s.store.hitRateLimit(`agent-${i}`, 3, MINUTE, T0))),
    sessions: await Promise.all(range.map((i) => s.sessions.touchSession(`s${i}`, MINUTE, T0 + 5 * MINUTE))),
    signIns: await Promise.all(range.map((i) => s.sessions.takeSignInToken(`l${i}`, T0))),
    claimed: await s.store.claimDueJobs(T0 + 1000 * MINUTE, MINUTE, 1000),
    swept: await s.store.sweepExpired(T0 + 1000 * MINUTE, 1000),
    afterSweep: await s.store.listAllPauses({ limit: 100 } as never),
  };
}

describe('memory store snapshots', () => {
  it('restore(snapshot(s)), through JSON, answers every read as s does, and goes on as s does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 5, maxLength: 60, size: 'medium' }),
        fc.array(opArb, { maxLength: 10 }),
        async (ops, more) => {
          const original = newMemoryStores();
          const made: Made = { pauses: [] };
          for (const o of ops) await apply(original, made, o);
          const copy = restoreStores(JSON.parse(JSON.stringify(snapshotOf(original))));
          // The same ops after the restore answer the same way.
          for (const o of more) {
            const a = await apply(original, made, o);
            expect(await apply(copy, made, o)).toEqual(a);
          }
          expect(await reads(copy, made)).toEqual(await reads(original, made));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a file that does not validate loads nothing at all', () => {
    const stores = newMemoryStores();
    const snapshot = JSON.parse(JSON.stringify(snapshotOf(stores)));
    snapshot.sessions.latestNowMs = 'yesterday';
    expect(() => restoreStores(snapshot)).toThrow();
    expect(() => restoreStores({ ...snapshot, version: 2 })).toThrow();
  });
});
