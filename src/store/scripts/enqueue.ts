import { encodeJob } from '../job-codec.js';
import { defineScript } from '../lua-scripts.js';
import type { NewJob } from '../ports/jobs.js';

/** lua/enqueue-2.lua: adds a job unless one with its id is queued; true when added. */
export const enqueueScript = defineScript({
  name: 'enqueue',
  numKeys: 2,
  keys: (k, _job: NewJob) => [k.jobQueue, k.jobData] as const,
  args: (k, job: NewJob) => [/* 1 */ job.id, /* 2 */ encodeJob(job), /* 3 */ job.run_at, /* 4 */ k.wake],
  reply: (raw) => raw === 1,
});
