import { decodeJob } from './job-codec.js';
import type { Job, JobQueue, NewJob } from './ports/jobs.js';
import type { RedisConnection, RedisContext } from './redis-connection.js';
import { claimScript } from './scripts/claim.js';
import { enqueueScript } from './scripts/enqueue.js';

/**
 * The job queue on Redis: job ids by run time (a sorted set), their bodies (job-codec.ts) and their
 * attempt counts (hashes). Claiming leases a job by pushing its run time past the lease; wake-ups
 * from any replica arrive through the connection's subscriber.
 */
export class RedisJobs implements JobQueue {
  constructor(private readonly context: RedisContext & Pick<RedisConnection, 'onWake'>) {}

  async enqueueJob(job: NewJob): Promise<boolean> {
    return enqueueScript.run(this.context, job);
  }

  async claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const { id, body, attempts } of await claimScript.run(this.context, { nowMs, leaseMs, max })) {
      const job = decodeJob(id, body);
      // A body no version of LoopPause wrote cannot be run: drop it rather than strand the batch.
      if (!job) await this.completeJob(id);
      else jobs.push({ id, ...job, run_at: nowMs + leaseMs, attempts } as Job);
    }
    return jobs;
  }

  async completeJob(jobId: string): Promise<void> {
    const { redis, keys: k } = this.context;
    await redis.multi().zrem(k.jobQueue, jobId).hdel(k.jobData, jobId).hdel(k.jobAttempts, jobId).exec();
  }

  async rescheduleJob(jobId: string, runAt: number): Promise<void> {
    await this.context.redis.zadd(this.context.keys.jobQueue, 'XX', runAt, jobId);
  }

  async nextWakeAt(): Promise<number | null> {
    const { redis, keys: k } = this.context;
    const [jobs, expiries] = await Promise.all([
      redis.zrange(k.jobQueue, '0', '0', 'WITHSCORES'),
      redis.zrange(k.expiry, '0', '0', 'WITHSCORES'),
    ]);
    const times = [jobs[1], expiries[1]].filter((t): t is string => t !== undefined).map(Number);
    return times.length > 0 ? Math.min(...times) : null;
  }

  onWake(listener: (atMs: number) => void): () => void {
    return this.context.onWake(listener);
  }
}
