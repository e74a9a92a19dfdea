import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Job, Store } from '../store/store.js';
import type { JobKindName } from './job-kinds.js';

export type JobHandler = (job: Job) => Promise<void>;

export interface JobRunnerOptions {
  store: Store;
  logger: Logger;
  /** How often each replica sweeps expiries and claims due jobs. */
  intervalMs?: number;
  /** A claimed job reappears for other replicas after this, if this one died. */
  leaseMs?: number;
  maxAttempts?: number;
  now?: () => number;
  metrics?: Metrics;
}

const SWEEP_BATCH = 500;
const SWEEP_MAX_ROUNDS = 100;
/** Runs of a failing job before it is given up (with backoff, about 2 minutes in all). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Thrown by a handler to retry later with backoff; any other error is retried the same way. */
export class RetryLater extends Error {}

/**
 * The per-replica loop that makes time-driven behaviour happen once across replicas: it times
 * out due pauses (SPEC: within 1 s of expires_at) and runs leased jobs from the store.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler[]>();
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly metrics: Metrics | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private kickRequested = false;

  constructor(options: JobRunnerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.intervalMs = options.intervalMs ?? 250;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics;
  }

  /** Several handlers may share a kind (e.g. every surface updates itself when a pause ends). */
  on(kind: JobKindName, handler: JobHandler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a round now, e.g. right after a pause was created on this replica. */
  kick(): void {
    if (this.running) {
      this.kickRequested = true;
      return;
    }
    this.running = this.tick()
      .catch((error: unknown) => this.logger.warn({ err: errorSummary(error) }, 'job round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.kickRequested && this.timer) {
          this.kickRequested = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: sweep expiries, then run due jobs. Exposed for tests and benchmarks. */
  async tick(): Promise<void> {
    const nowMs = this.now();
    await this.sweep(nowMs);
    const jobs = await this.store.claimDueJobs(nowMs, this.leaseMs, 50);
    await Promise.all(jobs.map((job) => this.runJob(job)));
  }

  /** Sweeps in batches (each one atomic script) until nothing due is left, so a burst does not lag. */
  private async sweep(nowMs: number): Promise<void> {
    for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
      const timedOut = await this.store.sweepExpired(nowMs, SWEEP_BATCH);
      if (timedOut.length > 0)
        this.metrics?.pausesEnded.inc({ outcome: 'timed_out', channel: 'none' }, timedOut.length);
      if (timedOut.length < SWEEP_BATCH) return;
    }
  }

  private async runJob(job: Job): Promise<void> {
    const handlers = this.handlers.get(job.kind) ?? [];
    try {
      for (const handler of handlers) await handler(job);
      await this.store.completeJob(job.id);
    } catch (error) {
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
      await this.store.rescheduleJob(job.id, this.now() + delayMs);
    }
  }
}

/** Bounded exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 min. */
export function backoffMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

// Moved to domain/errors.ts so the stdio proxy need not import the runner; kept for existing importers.
export { errorSummary };
