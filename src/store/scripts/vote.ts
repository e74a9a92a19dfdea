import { decidedData, voteData } from '../../domain/audit/events.js';
import { ENDED_JOB_ID_PREFIX, JobKind, votedJobId } from '../../jobs/job-kinds.js';
import { encodeJob } from '../job-codec.js';
import { asStrings, defineScript } from '../lua-scripts.js';
import { hashFromPairs } from '../pause-codec.js';
import { type Ballot, RETENTION_MS } from '../ports/pauses.js';

export interface VoteInput {
  pauseId: string;
  ballot: Ballot;
  nowMs: number;
}

/** The outcome, and the pause's hash as the script left it (none for stale and not_found). */
export type VoteReply =
  | { outcome: 'counted' | 'ended' | 'already_voted' | 'already_final'; hash: Record<string, string> }
  | { outcome: 'stale' | 'not_found' };

/** lua/vote-5.lua: one human's vote, and the pause's end when it closes it, in one step. */
export const voteScript = defineScript({
  name: 'vote',
  numKeys: 5,
  keys: (k, { pauseId }: VoteInput) => [k.pause(pauseId), k.expiry, k.slackPending, k.jobQueue, k.jobData] as const,
  args: (k, { pauseId, ballot, nowMs }: VoteInput) => [
    /* 1 */ pauseId,
    /* 2 */ nowMs,
    /* 3 */ JSON.stringify(ballot.vote),
    /* 4 */ ballot.expectedVotes,
    /* 5 */ ballot.response ? JSON.stringify(ballot.response) : '',
    /* 6 */ RETENTION_MS,
    /* 7 */ k.events,
    /* 8 */ k.wake,
    /* 9 */ k.base,
    /* 10 */ ballot.vote.responder,
    /* 11 */ JSON.stringify(voteData(ballot.vote)),
    /* 12 */ ballot.response ? JSON.stringify(decidedData(ballot.response)) : '{}',
    /* 13 */ ENDED_JOB_ID_PREFIX,
    /* 14 */ JobKind.pauseEnded,
    // The script counts the vote only when the pause holds exactly `expectedVotes`: this is the next.
    /* 15 */ votedJobId(pauseId, ballot.expectedVotes + 1),
    /* 16 */ encodeJob({ kind: JobKind.pauseVoted, data: { pause_id: pauseId } }),
    /* 17.. */ ...ballot.vote.voters,
  ],
  durable: true,
  reply: (raw): VoteReply => {
    const [outcome, ...flat] = asStrings(raw);
    if (outcome === 'stale' || outcome === 'not_found') return { outcome };
    return { outcome: outcome as 'counted' | 'ended' | 'already_voted' | 'already_final', hash: hashFromPairs(flat) };
  },
});
