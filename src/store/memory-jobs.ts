import { DueIndex, type DueIndexState } from './due-index.js';
import type { Job, JobQueue, NewJob } from './ports/jobs.js';

/**
 * The memory store's job queue: jobs by id, indexed by due time. The pause transitions add and drop
 * jobs through `add` and `drop` in their own step, as the Redis scripts do; a wake-up is delivered
 * after the current call returns, as a message from Redis would arrive.
 */
export class MemoryJobs implements Omit<JobQueue, 'nextWakeAt'> {
  private readonly jobs = new Map<string, Job>();
  private readonly queue = new DueIndex<string>();
  private readonly wakeListeners = new Set<(atMs: number) => void>();

  /** False when a job with this id is queued. */
  add(job: NewJob): boolean {
    if (this.jobs.has(job.id)) return false;
    this.jobs.set(job.id, { ...job, data: { ...job.data }, attempts: 0 } as Job);
    this.queue.set(job.id, job.run_at);
    this.wake(job.run_at);
    return true;
  }

  drop(jobId: string): void {
    this.jobs.delete(jobId);
    this.queue.delete(jobId);
  }

  /** Every queued job and the queue's order. */
  snapshot(): { jobs: Job[]; queue: DueIndexState<string> } {
    return {
      jobs: [...this.jobs.values()].map((job) => ({ ...job, data: { ...job.data } }) as Job),
      queue: this.queue.snapshot(),
    };
  }

  /** Loads a snapshot into an empty queue; wakes nobody (the runner asks nextWakeAt when it starts). */
  restore(state: { jobs: readonly Job[]; queue: DueIndexState<string> }): void {
    for (const job of state.jobs) this.jobs.set(job.id, { ...job, data: { ...job.data } } as Job);
    this.queue.restore(state.queue);
  }

  /** The soonest run time of a queued job. */
  nextDueAt(): number | undefined {
    return this.queue.peek();
  }

  /** No re-entry into the store: listeners run after the current call returns. */
  wake(atMs: number): void {
    for (const listener of this.wakeListeners) queueMicrotask(() => listener(atMs));
  }

  async enqueueJob(job: NewJob): Promise<boolean> {
    return this.add(job);
  }

  async claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]> {
    const claimed: Job[] = [];
    for (const id of this.queue.popDue(nowMs, max)) {
      const job = this.jobs.get(id);
      if (!job) continue;
      job.run_at = nowMs + leaseMs;
      job.attempts += 1;
      this.queue.set(id, job.run_at);
      claimed.push({ ...job, data: { ...job.data } } as Job);
    }
    return claimed;
  }

  async completeJob(jobId: string): Promise<void> {
    this.drop(jobId);
  }

  async rescheduleJob(jobId: string, runAt: number): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.run_at = runAt;
    this.queue.set(jobId, runAt);
  }

  onWake(listener: (atMs: number) => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }
}
