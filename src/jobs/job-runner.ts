import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import type { Decision } from '../domain/vocabulary.js';
import type { Metrics } from '../metrics.js';
import type { Job, JobQueue } from '../store/ports/jobs.js';
import type { PauseStore, SweptPause } from '../store/ports/pauses.js';
import { type JobKindName, NOTICE_KINDS } from './job-kinds.js';

/** Runs one job of kind `K`, its `data` typed by the kind. */
export type JobHandler<K extends JobKindName = JobKindName> = (job: Job<K>) => Promise<void>;

/**
 * Thrown by a handler that keeps its own retry schedule (webhook deliveries: hours apart, for days):
 * the job runs again at `runAt`, whatever its attempts so far; the runner's backoff and attempt
 * limit do not apply. The handler decides when to stop (by returning).
 */
export class RetryJobAt extends Error {
  constructor(
    readonly runAt: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryJobAt';
  }
}

export interface JobRunnerOptions {
  /** The jobs, and the sweep that times out due pauses. */
  store: JobQueue & Pick<PauseStore, 'sweepExpired'>;
  logger: Logger;
  /** A claimed job reappears for other replicas after this, if this one died. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Jobs this replica runs at once; more due jobs wait for a free slot. */
  concurrency?: number;
  /** The longest sleep between rounds: a safety net should a wake-up message be lost. */
  maxSleepMs?: number;
  now?: () => number;
  metrics?: Metrics;
  /**
   * Signs the decision a policy makes at the deadline and ends the pause with it, for each due pause
   * the sweep left pending for that (`due_decision`); returns the decision when this call ended it.
   * Without it such pauses stay pending.
   */
  endAtDeadline?: (pauseId: string, nowMs: number) => Promise<Decision | undefined>;
}

const SWEEP_BATCH = 500;
/** Wake-ups this close together share one round: at hundreds of new jobs a second, each round claims a batch. */
const COALESCE_MS = 5;
const SWEEP_MAX_ROUNDS = 100;
/** How soon a due pause whose decision could not be signed is tried again. */
const UNSIGNED_RETRY_MS = 1000;
/** Runs of a failing job before it is given up (with backoff, about 2 minutes in all). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * The per-replica loop that makes time-driven behaviour happen once across replicas: it times out
 * due pauses (within a second of their deadline) and runs leased jobs from the store. It does not
 * poll: a round runs when work is scheduled (on any replica: the store's wake-ups), and otherwise
 * it sleeps until the store's next due time. Jobs run concurrently, up to `concurrency`.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler[]>();
  private readonly store: JobRunnerOptions['store'];
  private readonly logger: Logger;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly maxSleepMs: number;
  private readonly now: () => number;
  private readonly metrics: Metrics | undefined;
  private readonly endAtDeadline: JobRunnerOptions['endAtDeadline'];
  /** The last sweep left a due pause pending for want of its signed decision. */
  private unsignedLeft = false;
  private readonly active = new Set<Promise<void>>();
  /** Due jobs were left unclaimed for want of a slot: a finishing job starts the next round. */
  private backlog = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private round: Promise<void> | undefined;
  private roundAgain = false;

  constructor(options: JobRunnerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.concurrency = options.concurrency ?? 32;
    this.maxSleepMs = options.maxSleepMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics;
    this.endAtDeadline = options.endAtDeadline;
  }

  /** Several handlers may share a kind (e.g. every surface updates itself when a pause ends). */
  on<K extends JobKindName>(kind: K, handler: JobHandler<K>): void {
    // Kept by kind, so a handler only ever gets jobs of its own kind (runJob looks them up by kind).
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler as JobHandler]);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.store.onWake((atMs) => this.wakeAt(atMs));
    this.wakeAt(this.now());
  }

  async stop(): Promise<void> {
    this.started = false;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.timerAt = Number.POSITIVE_INFINITY;
    await this.round;
    await Promise.all(this.active);
  }

  /** One round, waiting for the jobs it started. For tests and benchmarks; a started runner needs none. */
  async tick(): Promise<void> {
    await this.sweep(this.now());
    await this.claimAndRun();
    await Promise.all(this.active);
  }

  private wakeAt(atMs: number): void {
    if (!this.started) return;
    const soonest = Math.max(atMs, this.now() + COALESCE_MS);
    if (soonest < this.timerAt) this.sleepUntil(soonest);
  }

  private sleepUntil(atMs: number): void {
    clearTimeout(this.timer);
    this.timerAt = atMs;
    this.timer = setTimeout(
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        this.runRound();
      },
      Math.max(0, atMs - this.now()),
    );
    this.timer.unref();
  }

  /** Rounds never overlap: a wake-up during one asks for another right after it. */
  private runRound(): void {
    if (!this.started) return;
    if (this.round) {
      this.roundAgain = true;
      return;
    }
    this.round = this.oneRound()
      .catch((error: unknown) => this.logger.warn({ err: errorSummary(error) }, 'job round failed'))
      .finally(() => {
        this.round = undefined;
        if (this.roundAgain) {
          this.roundAgain = false;
          this.runRound();
        }
      });
  }

  private async oneRound(): Promise<void> {
    try {
      await this.sweep(this.now());
      await this.claimAndRun();
    } finally {
      // With a backlog, finishing jobs drive the next round; otherwise sleep until something is due.
      const next = this.backlog ? null : await this.store.nextWakeAt().catch(() => null);
      // Only ever earlier: a wake-up that arrived during the round keeps its timer.
      let at = Math.min(next ?? Number.POSITIVE_INFINITY, this.now() + this.maxSleepMs);
      // A due pause this replica could not sign for stays due: retry it in a second, not at once.
      if (this.unsignedLeft) at = Math.max(at, this.now() + UNSIGNED_RETRY_MS);
      if (at < this.timerAt) this.sleepUntil(at);
    }
  }

  /** Sweeps in batches (each one atomic script) until nothing due is left, so a burst does not lag. */
  private async sweep(nowMs: number): Promise<void> {
    this.unsignedLeft = false;
    for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
      const ended = await this.store.sweepExpired(nowMs, SWEEP_BATCH);
      this.countEnded(await this.endDueDecisions(ended, nowMs));
      if (ended.length < SWEEP_BATCH) return;
    }
  }

  /**
   * The pauses the sweep left for a signed decision at the deadline: each signed and ended here (one
   * atomic step each, which a vote or another replica may have won). Returns what ended.
   */
  private async endDueDecisions(swept: readonly SweptPause[], nowMs: number): Promise<SweptPause[]> {
    const ended: SweptPause[] = [];
    for (const pause of swept) {
      if (pause.outcome !== 'due_decision') {
        ended.push(pause);
        continue;
      }
      if (!this.endAtDeadline) {
        this.unsignedLeft = true;
        continue;
      }
      try {
        const decision = await this.endAtDeadline(pause.pause_id, nowMs);
        if (decision) ended.push({ pause_id: pause.pause_id, outcome: decision });
      } catch (error) {
        this.unsignedLeft = true;
        this.logger.error(
          { err: errorSummary(error), pause_id: pause.pause_id },
          'could not end a pause at its deadline',
        );
      }
    }
    return ended;
  }

  /** A policy's decision at the deadline counts as that decision by the policy, not as a timeout. */
  private countEnded(ended: readonly SweptPause[]): void {
    if (!this.metrics) return;
    const timedOut = ended.filter((pause) => pause.outcome === 'timed_out').length;
    if (timedOut > 0) this.metrics.pausesEnded.inc({ outcome: 'timed_out', channel: 'none' }, timedOut);
    for (const pause of ended) {
      if (pause.outcome !== 'timed_out') this.metrics.pausesEnded.inc({ outcome: pause.outcome, channel: 'policy' });
    }
  }

  /** Claims as many due jobs as there are free slots, and starts them without waiting. */
  private async claimAndRun(): Promise<void> {
    for (;;) {
      const free = this.concurrency - this.active.size;
      if (free <= 0) {
        this.backlog = true;
        return;
      }
      const jobs = await this.store.claimDueJobs(this.now(), this.leaseMs, free);
      for (const job of jobs) {
        const running: Promise<void> = this.runJob(job).finally(() => {
          this.active.delete(running);
          if (this.backlog) this.wakeAt(this.now());
        });
        this.active.add(running);
      }
      if (jobs.length < free) {
        this.backlog = false;
        return;
      }
    }
  }

  private async runJob(job: Job): Promise<void> {
    const handlers = this.handlers.get(job.kind) ?? [];
    try {
      // Every surface may act on a notice (a pause ended, a vote counted), none must; any other job
      // needs its surface here. Without it (a replica without Slack, a rolling deploy) it goes back.
      if (handlers.length === 0 && !NOTICE_KINDS.has(job.kind)) {
        throw new Error(`no handler for ${job.kind} on this replica`);
      }
      // Each surface's handler runs on its own: one failing (Slack down) never holds back another
      // (the webhook), whatever order surfaces registered in. The job runs again while any failed,
      // so handlers are idempotent (a message update, a fixed-id enqueue).
      const results = await Promise.allSettled(handlers.map((handler) => handler(job)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
      await this.store.completeJob(job.id);
    } catch (error) {
      await this.failed(job, error).catch((e: unknown) =>
        this.logger.warn({ job: job.id, err: errorSummary(e) }, 'could not reschedule a failed job'),
      );
    }
  }

  private async failed(job: Job, error: unknown): Promise<void> {
    if (error instanceof RetryJobAt) {
      this.logger.debug({ job: job.id, retry_at: error.runAt, reason: error.message }, 'job asked to run again later');
      await this.store.rescheduleJob(job.id, error.runAt);
      this.wakeAt(error.runAt);
      return;
    }
    if (job.attempts >= this.maxAttempts) {
      this.logger.error({ job: job.id, attempts: job.attempts, err: errorSummary(error) }, 'job gave up');
      await this.store.completeJob(job.id);
      return;
    }
    const delayMs = backoffMs(job.attempts);
    this.logger.warn(
      { job: job.id, attempts: job.attempts, retry_in_ms: delayMs, err: errorSummary(error) },
      'job failed, will retry',
    );
    const runAt = this.now() + delayMs;
    await this.store.rescheduleJob(job.id, runAt);
    this.wakeAt(runAt);
  }
}

/** Bounded exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 min. */
export function backoffMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
