import { expect } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { ApprovalRequestInput } from '../../src/domain/schemas.js';
import { Metrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { DecideDeps, DecisionInput } from '../../src/use-cases/decide.js';
import { DeliveryPlan } from '../../src/use-cases/deliveries.js';
import type { RecipientRules } from '../../src/use-cases/recipient-rules.js';
import { type RequestDeps, requestApproval } from '../../src/use-cases/request.js';

/**
 * The use cases wired by hand over a MemoryStore: no HTTP, no Redis, no surfaces. Time is an
 * injected clock, so deadlines and delays are exact, and nothing waits on the wall clock.
 */

/** 2030-01-01 09:00 UTC: far from "now", so nothing can pass by accident with Date.now(). */
export const T0 = Date.parse('2030-01-01T09:00:00.000Z');
export const UNIT_SIGNING_SECRET = 'unit-signing-secret-0123456789abcdef-xyz';
export const FALLBACK_MS = 5 * 60_000;

export interface Clock {
  now(): number;
}

/** Time that moves only when a test moves it. */
export class ManualClock implements Clock {
  constructor(public ms: number = T0) {}
  readonly now = (): number => this.ms;
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** Reads the (Vitest-faked) Date: for tests whose waits run on fake timers, so clock and timers agree. */
export const fakeTimerClock: Clock = { now: () => Date.now() };

export interface WorldOptions extends Partial<RecipientRules> {
  emailFallbackAfterMs?: number;
  /** False: the use cases get no metrics (they must work without). Default true. */
  metrics?: boolean;
}

export interface UseCaseWorld<C extends Clock> {
  store: MemoryStore;
  clock: C;
  metrics: Metrics | undefined;
  deliveries: DeliveryPlan;
  /** Deps for request, cancel, list, check and the pause loaders (the whole MemoryStore: every port). */
  deps: RequestDeps & { store: MemoryStore };
  decideDeps: DecideDeps & { store: MemoryStore };
}

/** One store, one clock, and the deps each use case takes, as ApprovalService builds them. */
export function useCaseWorld(options?: WorldOptions): UseCaseWorld<ManualClock>;
export function useCaseWorld<C extends Clock>(options: WorldOptions & { clock: C }): UseCaseWorld<C>;
export function useCaseWorld(options: WorldOptions & { clock?: Clock } = {}): UseCaseWorld<Clock> {
  const store = new MemoryStore();
  const clock = options.clock ?? new ManualClock();
  const metrics = options.metrics === false ? undefined : new Metrics({ defaultMetrics: false });
  const base = { store, now: () => clock.now(), metrics };
  const slackEnabled = options.slackEnabled ?? true;
  const deliveries = new DeliveryPlan(base, {
    slackEnabled,
    emailFallbackAfterMs: options.emailFallbackAfterMs ?? FALLBACK_MS,
  });
  return {
    store,
    clock,
    metrics,
    deliveries,
    deps: {
      ...base,
      recipients: {
        slackEnabled,
        allowedEmailDomains: options.allowedEmailDomains,
        allowedSlackChannels: options.allowedSlackChannels,
      },
      deliveries,
      signingSecret: UNIT_SIGNING_SECRET,
    },
    decideDeps: { ...base, signingSecret: UNIT_SIGNING_SECRET },
  };
}

export const ACTION = {
  action_description: 'Drop the staging database',
  action_details: { db: 'staging', region: 'eu-west-1' },
} as const;

/** A valid request_approval argument object: the action above plus whatever is given. */
export function requestArgs(extra: Partial<ApprovalRequestInput>): ApprovalRequestInput {
  return { action_description: ACTION.action_description, action_details: { ...ACTION.action_details }, ...extra };
}

/** request_approval through the use case; returns the new pause's id. */
export async function newPause(
  world: Pick<UseCaseWorld<Clock>, 'deps'>,
  extra: Partial<ApprovalRequestInput> = { recipient_email: 'ops@example.com' },
  agentId = 'agent-a',
): Promise<string> {
  const { result } = await requestApproval(world.deps, agentId, requestArgs(extra));
  return result.pause_id;
}

/** A human's decision input; identities default to the responder. */
export function decision(
  responder: string,
  over: Partial<DecisionInput> = {},
): DecisionInput & { identities: string[] } {
  return { decision: 'approved', responder, channel: 'email', identities: [responder], ...over };
}

/**
 * The jobs due at `atMs`, claimed (and so leased for a year): call once per due time. The
 * claimed `run_at` is the lease's end, so compare kinds and ids, and the due time by when they show up.
 */
/** Claims the due jobs; the webhooks' `pause.created` notice (queued with every pause) is claimed and left out. */
export async function claimDue(store: MemoryStore, atMs: number): ReturnType<MemoryStore['claimDueJobs']> {
  return (await store.claimDueJobs(atMs, 365 * 24 * 3_600_000, 1000)).filter((j) => j.kind !== 'pause.created');
}

/** Kinds of the jobs claimed at `atMs` for `pauseId` (other pauses' jobs ignored), sorted. */
export async function jobKindsDue(store: MemoryStore, atMs: number, pauseId: string): Promise<string[]> {
  return (await claimDue(store, atMs))
    .filter((j) => j.data.pause_id === pauseId)
    .map((j) => j.kind)
    .sort();
}

interface MetricLike {
  get(): Promise<{ values: ReadonlyArray<{ value: number; labels: object; metricName?: string }> }>;
}

/** A counter's or gauge's value summed over the series whose labels include `labels`. */
export async function metricValue(metric: MetricLike, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Awaits `promise`, expecting a LoopPauseError with this code (and field, when given); returns it. */
export async function expectLoopPauseError(
  promise: Promise<unknown>,
  code: LoopPauseError['code'],
  field?: string,
): Promise<LoopPauseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoopPauseError);
  const e = error as LoopPauseError;
  expect(e.code).toBe(code);
  if (field !== undefined) expect(e.field).toBe(field);
  return e;
}

/** Runs `fn` and expects it to throw a LoopPauseError with this code and field. */
export function expectThrowsLoopPause(fn: () => unknown, code: LoopPauseError['code'], field?: string): LoopPauseError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LoopPauseError);
  const e = thrown as LoopPauseError;
  expect(e.code).toBe(code);
  if (field !== undefined) expect(e.field).toBe(field);
  return e;
}

/** A promise's state without waiting for it: tests observe "still waiting" with no timer. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}
