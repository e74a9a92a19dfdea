import type { SignedDecision } from '../../domain/signing.js';
import { ENDED_JOB_ID_PREFIX, JobKind } from '../../jobs/job-kinds.js';
import { asStrings, defineScript } from '../lua-scripts.js';
import { hashFromPairs } from '../pause-codec.js';
import { RETENTION_MS } from '../ports/pauses.js';
import type { EndReply } from './end.js';

export interface EndAtDeadlineInput {
  pauseId: string;
  nowMs: number;
  /** The policy's decision at the deadline, signed by the runner. */
  response: SignedDecision;
}

/** lua/end-at-deadline-5.lua: ends a due pending pause with its policy's decision at the deadline, once. */
export const endAtDeadlineScript = defineScript({
  name: 'end-at-deadline',
  numKeys: 5,
  keys: (k, { pauseId }: EndAtDeadlineInput) =>
    [k.pause(pauseId), k.expiry, k.slackPending, k.jobQueue, k.jobData] as const,
  args: (k, { pauseId, nowMs, response }: EndAtDeadlineInput) => [
    /* 1 */ pauseId,
    /* 2 */ nowMs,
    /* 3 */ JSON.stringify(response),
    /* 4 */ RETENTION_MS,
    /* 5 */ k.events,
    /* 6 */ k.base,
    /* 7 */ response.responder,
    /* 8 */ JSON.stringify({ decision: response.decision, on_timeout: true }),
    /* 9 */ ENDED_JOB_ID_PREFIX,
    /* 10 */ JobKind.pauseEnded,
  ],
  durable: true,
  reply: (raw): EndReply => {
    const [outcome, ...flat] = asStrings(raw);
    if (outcome === 'not_found') return { outcome };
    return { outcome: outcome === 'ended' ? 'ended' : 'already_final', hash: hashFromPairs(flat) };
  },
});
