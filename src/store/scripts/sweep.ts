import { ENDED_JOB_ID_PREFIX, JobKind } from '../../jobs/job-kinds.js';
import { asStrings, defineScript } from '../lua-scripts.js';
import { RETENTION_MS, type SweptPause } from '../ports/pauses.js';

/** lua/sweep-4.lua: times out (or ends by the policy's timeout decision) up to `max` due pauses. */
export const sweepScript = defineScript({
  name: 'sweep',
  numKeys: 4,
  keys: (k, _input: { nowMs: number; max: number }) => [k.expiry, k.slackPending, k.jobQueue, k.jobData] as const,
  args: (k, { nowMs, max }: { nowMs: number; max: number }) => [
    /* 1 */ nowMs,
    /* 2 */ max,
    /* 3 */ RETENTION_MS,
    /* 4 */ k.events,
    /* 5 */ k.pause(''),
    /* 6 */ k.base,
    /* 7 */ ENDED_JOB_ID_PREFIX,
    /* 8 */ JobKind.pauseEnded,
  ],
  reply: (raw): SweptPause[] => {
    // Flat pairs: id, then `timed_out` or the decision a policy's on_timeout made.
    const flat = asStrings(raw);
    const ended: SweptPause[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ended.push({ pause_id: flat[i] as string, outcome: flat[i + 1] as SweptPause['outcome'] });
    }
    return ended;
  },
});
