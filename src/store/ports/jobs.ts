/** Work that must happen exactly once across replicas, e.g. posting to Slack or sending an e-mail. */
export interface Job {
  id: string;
  kind: string;
  pause_id: string;
  /** Reminders and escalations: which step of the pause's plan. Such jobs are dropped when the pause ends. */
  step?: number;
  run_at: number;
  attempts: number;
}

export type NewJob = Omit<Job, 'attempts'>;

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
