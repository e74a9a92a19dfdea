import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { RunningService } from '../../src/main.js';
import { storeOutage } from '../../src/store/unavailable.js';
import { createPause } from './email.js';
import { eventually } from './eventually.js';
import { ask, type FailoverTarget, type RedisProcess } from './redis-ha.js';
import { TEST_API_KEY } from './service.js';

/**
 * Decisions and creates against one service on a Sentinel set or a Cluster while the deployment's primary is killed with
 * SIGKILL: what the clients saw. Each call is given `deadlineMs`; one that has not answered by
 * then counts as hung. A call that fails is retried, as a human or an agent would.
 */
export interface FailoverRun {
  /** Pause id → responder, for every decision answered `decided`. */
  acknowledged: Map<string, string>;
  /** Every answer or failure, by kind: `decided`, `already_final`, `create 201`, `create 503`, `unavailable`, `hung`, … */
  seen: Map<string, number>;
  /** Ms from the kill to the first failure a client saw, and from that to the first success after it. */
  firstFailureAfterKillMs: number | null;
  windowMs: number | null;
  /** /readyz answers polled during the run, in order, repeats folded: e.g. [200, 503, 200]. */
  readiness: number[];
  /** The server that was the primary and was killed. */
  killed: RedisProcess;
}

export interface FailoverOptions {
  service: RunningService;
  /** A Sentinel set or a Cluster: `primary()` is what is killed. */
  set: FailoverTarget;
  /** Pending pauses to decide, one after another, by `workers` deciders at once. */
  pauses: string[];
  workers?: number;
  /** Decisions acknowledged before the primary is killed. */
  beforeKill?: number;
  /** Successes after the window before the run stops. */
  afterRecovery?: number;
  deadlineMs?: number;
}

export async function decideThroughFailover(options: FailoverOptions): Promise<FailoverRun> {
  const { service, set, pauses } = options;
  const workers = options.workers ?? 4;
  const beforeKill = options.beforeKill ?? 10;
  const afterRecovery = options.afterRecovery ?? 10;
  const deadlineMs = options.deadlineMs ?? 10_000;
  const acknowledged = new Map<string, string>();
  const seen = new Map<string, number>();
  const readiness: number[] = [];
  const count = (kind: string) => seen.set(kind, (seen.get(kind) ?? 0) + 1);
  const killed = await set.primary();
  let killedAt: number | undefined;
  let firstFailure: number | undefined;
  let recovered: number | undefined;
  let successesAfter = 0;
  let done = false;
  const queue = [...pauses];

  const success = () => {
    if (killedAt === undefined) return;
    if (firstFailure !== undefined && recovered === undefined) recovered = Date.now();
    if (recovered !== undefined) successesAfter++;
    if (successesAfter >= afterRecovery) done = true;
  };
  const failure = (kind: string) => {
    count(kind);
    if (killedAt !== undefined && firstFailure === undefined) firstFailure = Date.now();
  };

  const decider = async (worker: number) => {
    while (!done) {
      const pauseId = queue.shift();
      if (pauseId === undefined) return;
      const responder = `human${worker}@example.com`;
      for (;;) {
        const result = await within(
          deadlineMs,
          service.service.decide(pauseId, { decision: 'approved', responder, channel: 'web', identities: [] }),
        );
        if (result.kind === 'value') {
          count(result.value.outcome);
          if (result.value.outcome === 'decided') acknowledged.set(pauseId, responder);
          success();
          break;
        }
        failure(result.kind === 'hung' ? 'hung' : errorKind(result.error));
        if (done) break;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };

  const creator = async () => {
    const body = JSON.stringify({ action_description: 'Deploy', action_details: {}, recipient_email: 'a@example.com' });
    while (!done) {
      const status = await fetch(`${service.url}/v1/pauses`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
        signal: AbortSignal.timeout(deadlineMs),
      }).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 201) {
        count('create 201');
        success();
      } else failure(status === 0 ? 'create hung' : `create ${status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const ready = async () => {
    while (!done) {
      const status = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(deadlineMs) }).then(
        (res) => res.status,
        () => 0,
      );
      if (readiness.at(-1) !== status) readiness.push(status);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // Kill once `beforeKill` decisions are acknowledged; once the sentinels (or the cluster) name the
  // new primary, start the old one again: it becomes a replica of the new one, so WAIT has a replica again.
  const chaos = async () => {
    while (acknowledged.size < beforeKill && !done) await new Promise((r) => setTimeout(r, 10));
    killedAt = Date.now();
    await killed.kill();
    // Until a sentinel names another primary (at most 30 s), whether or not the load is done:
    // restarting the old one sooner could let it stay the primary, and nothing would have failed over.
    for (let i = 0; i < 300; i++) {
      const now = await set.primary().catch(() => killed);
      if (now !== killed) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await killed.restart();
  };

  await Promise.all([...Array.from({ length: workers }, (_, i) => decider(i)), creator(), ready(), chaos()]);
  return {
    acknowledged,
    seen,
    firstFailureAfterKillMs: killedAt !== undefined && firstFailure !== undefined ? firstFailure - killedAt : null,
    windowMs: firstFailure !== undefined && recovered !== undefined ? recovered - firstFailure : null,
    readiness,
    killed,
  };
}

/**
 * What a failover run must show, whatever the topology: clients saw the outage as `unavailable`
 * only (nothing internal, nothing past its deadline), `/readyz` said so and recovered, a new
 * primary took over, every decision acknowledged before and after the kill is there, the old
 * primary came back as a replica of the new one, and the job runner resumed (a pause created now
 * gets its e-mail in `outbox`).
 */
export async function expectNothingLost(
  run: FailoverRun,
  { service, set, outbox }: { service: RunningService; set: FailoverTarget; outbox: string },
): Promise<void> {
  const kinds = [...run.seen.keys()];
  expect(kinds.filter((k) => k.startsWith('internal') || k.includes('hung') || k === 'create 500')).toEqual([]);
  expect(kinds.every((k) => ['decided', 'already_final', 'unavailable', 'create 201', 'create 503'].includes(k))).toBe(
    true,
  );
  expect(run.seen.get('unavailable') ?? run.seen.get('create 503')).toBeGreaterThan(0);
  expect(run.windowMs).not.toBeNull();
  expect(run.readiness[0]).toBe(200);
  expect(run.readiness).toContain(503);
  await eventually(async () => ((await fetch(`${service.url}/readyz`)).status === 200 ? true : undefined), 15_000);

  // Every sentinel (or node) names the new primary once they have all caught up.
  const now = await eventually(async () => {
    const primary = await set.primary();
    return primary === run.killed ? undefined : primary;
  }, 20_000);
  expect(now).not.toBe(run.killed);
  expect(run.acknowledged.size).toBeGreaterThanOrEqual(10);
  for (const [pauseId, responder] of run.acknowledged) {
    const res = await fetch(`${service.url}/v1/pauses/${pauseId}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const view = (await res.json()) as { status: string; response?: { responder: string } };
    expect(view.status, pauseId).toBe('responded');
    expect(view.response?.responder).toBe(responder);
  }
  await eventually(async () => {
    const info = String((await ask(run.killed.port, 'INFO', 'replication')) ?? '');
    return info.includes('role:slave') && info.includes(`master_port:${now.port}`) ? true : undefined;
  }, 20_000);

  const after = await createPause(service);
  await eventually(
    () => (readdirSync(outbox).some((f) => readFileSync(join(outbox, f), 'utf8').includes(after)) ? true : undefined),
    15_000,
  );
}

/** `unavailable` for what a surface answers 503; anything else is named by its code or message. */
function errorKind(error: unknown): string {
  const known = error instanceof LoopPauseError ? error : storeOutage(error);
  if (known) return known.code;
  return `internal: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`;
}

type Within<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'hung' };

async function within<T>(ms: number, work: Promise<T>): Promise<Within<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Within<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung' }), ms);
  });
  try {
    return await Promise.race([
      work.then(
        (value): Within<T> => ({ kind: 'value', value }),
        (error: unknown): Within<T> => ({ kind: 'error', error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
