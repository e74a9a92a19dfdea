import type { JobData, JobKindName } from '../../jobs/job-kinds.js';

/**
 * Work that must happen exactly once across replicas, e.g. posting to Slack or sending an e-mail.
 * `data` is what its handler needs, typed by `kind` (jobs/job-kinds.ts); the id only
 * de-duplicates. `Job` is any kind; `Job<'slack.remind'>` one.
 */
export type Job<K extends JobKindName = JobKindName> = {
  [Kind in K]: { id: string; kind: Kind; data: JobData<Kind>; run_at: number; attempts: number };
}[K];

export type NewJob<K extends JobKindName = JobKindName> = { [Kind in K]: Omit<Job<Kind>, 'attempts'> }[K];

/** The durable job queue a job runner drains: leased, retried, and woken across replicas. */
export interface JobQueue {
  /** False when a job with this id is already queued: job ids make enqueueing idempotent. */
  enqueueJob(job: NewJob): Promise<boolean>;
  /** Leases due jobs: a claimed job is invisible to other replicas until `leaseMs` passes. */
  claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]>;
  completeJob(jobId: string): Promise<void>;
  rescheduleJob(jobId: string, runAt: number): Promise<void>;
  /** The soonest time a job or a pending pause's deadline is due, or null: a job runner sleeps until then. */
  nextWakeAt(): Promise<number | null>;
  /** Calls `listener` with a due time whenever any replica schedules work: a new job, a new deadline. */
  onWake(listener: (atMs: number) => void): () => void;
}
