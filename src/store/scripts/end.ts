import type { SignedDecision } from '../../domain/signing.js';
import { wireStatus } from '../../domain/vocabulary.js';
import { ENDED_JOB_ID_PREFIX, JobKind } from '../../jobs/job-kinds.js';
import { asStrings, defineScript } from '../lua-scripts.js';
import { hashFromPairs } from '../pause-codec.js';
import { RETENTION_MS } from '../ports/pauses.js';

export interface EndInput {
  pauseId: string;
  nowMs: number;
  /** A decision the policy made, or a cancel with its reason. */
  ending: { status: 'responded'; response: SignedDecision } | { status: 'cancelled'; reason: string | undefined };
  audit: { actor: string; data: Record<string, unknown> };
}

/** The outcome, and the pause's hash as the script left it. */
export type EndReply = { outcome: 'not_found' } | { outcome: 'ended' | 'already_final'; hash: Record<string, string> };

/** lua/end-5.lua: ends a pending pause exactly once (or times it out, if its deadline passed). */
export const endScript = defineScript({
  name: 'end',
  numKeys: 5,
  keys: (k, { pauseId }: EndInput) => [k.pause(pauseId), k.expiry, k.slackPending, k.jobQueue, k.jobData] as const,
  args: (k, { pauseId, nowMs, ending, audit }: EndInput) => [
    /* 1 */ pauseId,
    /* 2 */ nowMs,
    /* 3 */ wireStatus(ending.status), // records keep the wire's word (`expired` for a cancel)
    /* 4 */ ending.status === 'responded' ? 'resp' : 'reason',
    /* 5 */ ending.status === 'responded' ? JSON.stringify(ending.response) : (ending.reason ?? ''),
    /* 6 */ RETENTION_MS,
    /* 7 */ k.events,
    /* 8 */ k.base,
    /* 9 */ audit.actor,
    /* 10 */ JSON.stringify(audit.data),
    /* 11 */ ENDED_JOB_ID_PREFIX,
    /* 12 */ JobKind.pauseEnded,
  ],
  durable: true,
  reply: (raw): EndReply => {
    const [outcome, ...flat] = asStrings(raw);
    if (outcome === 'not_found') return { outcome };
    return { outcome: outcome === 'ended' ? 'ended' : 'already_final', hash: hashFromPairs(flat) };
  },
});
