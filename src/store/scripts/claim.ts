import { defineScript } from '../lua-scripts.js';

export interface ClaimInput {
  nowMs: number;
  leaseMs: number;
  max: number;
}

/** A leased job as stored: its id, its body (job-codec.ts reads it) and its attempts so far. */
export interface ClaimedBody {
  id: string;
  body: string;
  attempts: number;
}

/**
 * lua/claim-3.lua: leases up to `max` due jobs. A lease is confirmed on the replicas before its jobs
 * run: a job tells Slack, e-mail and webhooks of what the step that queued it decided, which must
 * not be told before the replicas hold it (the lease's write comes after that step's, so its WAIT
 * covers both).
 */
export const claimScript = defineScript({
  name: 'claim',
  numKeys: 3,
  durable: (claimed: ClaimedBody[]) => claimed.length > 0,
  keys: (k, _input: ClaimInput) => [k.jobQueue, k.jobData, k.jobAttempts] as const,
  args: (_k, { nowMs, leaseMs, max }: ClaimInput) => [/* 1 */ nowMs, /* 2 */ leaseMs, /* 3 */ max],
  reply: (raw): ClaimedBody[] => {
    // Flat triples: id, json, attempts.
    const flat = raw as (string | number)[];
    const claimed: ClaimedBody[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      claimed.push({ id: String(flat[i]), body: String(flat[i + 1]), attempts: Number(flat[i + 2]) });
    }
    return claimed;
  },
});
