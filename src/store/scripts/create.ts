import { decidersOf } from '../../domain/approvals/index.js';
import { agentActor, createdData } from '../../domain/audit/events.js';
import { STEP_KINDS } from '../../jobs/job-kinds.js';
import { encodeJob } from '../job-codec.js';
import { defineScript } from '../lua-scripts.js';
import { pauseRecord } from '../pause-codec.js';
import { INDEX_HORIZON_MS, type NewPause, RETENTION_MS } from '../ports/pauses.js';
import { deciderHash } from '../redis-keys.js';

/** A new pause, or the pause that already holds its idempotency key. */
export type CreateReply = { outcome: 'created' | 'existing' | 'conflict'; pauseId: string };

/** lua/create-8.lua: a pending pause with its indexes, first jobs, audit entry and events, in one step. */
export const createScript = defineScript({
  name: 'create',
  numKeys: 8,
  keys: (k, { pause, idempotency }: NewPause) =>
    [
      k.pause(pause.pause_id),
      // Without a key the script never reads KEYS[2]; the pause's own key stands in (same slot).
      idempotency === undefined ? k.pause(pause.pause_id) : k.idempotency(pause.agent_id, idempotency.key),
      k.agentAll(pause.agent_id),
      k.agentPending(pause.agent_id),
      k.expiry,
      k.slackPending,
      k.jobQueue,
      k.jobData,
    ] as const,
  args: (k, { pause, idempotency, jobs }: NewPause) => {
    const expiresMs = Date.parse(pause.expires_at);
    const createdMs = Date.parse(pause.created_at);
    return [
      /* 1 */ pause.pause_id,
      /* 2 */ JSON.stringify(pauseRecord(pause)),
      /* 3 */ expiresMs,
      /* 4 */ createdMs,
      /* 5 */ idempotency?.requestDigest ?? '',
      /* 6 */ expiresMs - createdMs + RETENTION_MS,
      /* 7 */ pause.request.recipient_slack === undefined ? '0' : '1',
      /* 8 */ k.pause(''),
      /* 9 */ INDEX_HORIZON_MS,
      /* 10 */ k.wake,
      /* 11 */ pause.timeout_decision ? JSON.stringify(pause.timeout_decision) : '',
      /* 12 */ jobs
        .filter((job) => STEP_KINDS.has(job.kind))
        .map((job) => job.id)
        .join(' '),
      /* 13 */ k.base,
      /* 14 */ agentActor(pause.agent_id),
      /* 15 */ JSON.stringify(createdData(pause)),
      /* 16 */ k.events,
      /* 17 */ decidersOf(pause).map(deciderHash).join(' '),
      /* 18.. */ ...jobs.flatMap((job) => [job.id, encodeJob(job), job.run_at]),
    ];
  },
  reply: (raw): CreateReply => {
    const [outcome, pauseId] = raw as [number, string];
    return { outcome: outcome === 1 ? 'created' : outcome === 2 ? 'conflict' : 'existing', pauseId };
  },
});
