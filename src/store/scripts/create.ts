import { decidersOf } from '../../domain/approvals/index.js';
import { agentActor, createdData } from '../../domain/audit/events.js';
import { STEP_KINDS } from '../../jobs/job-kinds.js';
import { encodeJob } from '../job-codec.js';
import { defineScript } from '../lua-scripts.js';
import { pauseRecord } from '../pause-codec.js';
import { INDEX_HORIZON_MS, type NewPause, RETENTION_MS } from '../ports/pauses.js';
import { deciderHash } from '../redis-keys.js';

/** A new pause, or the pause that already holds its idempotency key. */
export type CreateReply = { outcome: 'created' | 'existing' | 'conflict' | 'remembered'; pauseId: string };

/** lua/create-9.lua: a pending pause with its indexes, first jobs, audit entry and events, in one step. */
export const createScript = defineScript({
  name: 'create',
  numKeys: 9,
  keys: (k, { pause, idempotency, join }: NewPause) =>
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
      // Without a join key the script never reads KEYS[9] either.
      join === undefined ? k.pause(pause.pause_id) : k.toolJoin(pause.agent_id, join.key),
    ] as const,
  args: (k, { pause, idempotency, jobs, join }: NewPause) => {
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
      // Past the deadline the key is free anyway; a remembered approval keeps it for its window.
      /* 18 */ join === undefined ? '' : expiresMs - createdMs + (pause.plan?.remember_ms ?? 0) + 60_000,
      /* 19 */ pause.created_at,
      /* 20 */ join?.audit.actor ?? '',
      /* 21 */ join === undefined ? '' : JSON.stringify(join.audit.data),
      /* 22.. */ ...jobs.flatMap((job) => [job.id, encodeJob(job), job.run_at]),
    ];
  },
  reply: (raw): CreateReply => {
    const [outcome, pauseId] = raw as [number, string];
    const outcomes = ['existing', 'created', 'conflict', 'remembered'] as const;
    return { outcome: outcomes[outcome] ?? 'existing', pauseId };
  },
});
