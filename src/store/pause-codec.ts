import type { Pause } from '../domain/pause.js';
import { actionDigest } from '../domain/signing.js';
import { toolCallDigest } from '../domain/tool-calls.js';
import { type PauseStatus, stateOf } from '../domain/vocabulary.js';

/**
 * A pause in Redis is one hash: `rec` (the immutable part, JSON), `status`, and what changes, each
 * its own field: `votes`, `resp`, `reason`, `tdec` (the policy's decision at the deadline, unsigned), `tresp` (the same, signed at creation by earlier versions), `ended_ms`,
 * `used` (who acted on a tool call's approval), `d:<delivery key>` (how each delivery went). The scripts also keep their bookkeeping there
 * (`exp`, `apk`, `steps`, `wk`, `nvotes`, `v:<identity>`), which a read ignores.
 */

/**
 * What `rec` holds: the immutable part of a pause, compact. The id is the key's and the digest is
 * recomputed from the request on read (both derivable), which keeps a pending pause under 2 KB.
 */
export type PauseRecord = Pick<
  Pause,
  'agent_id' | 'created_at' | 'expires_at' | 'request' | 'policy_rule' | 'plan' | 'tool_call'
>;

export function pauseRecord(pause: Pause): PauseRecord {
  return {
    agent_id: pause.agent_id,
    created_at: pause.created_at,
    expires_at: pause.expires_at,
    request: pause.request,
    ...(pause.policy_rule === undefined ? {} : { policy_rule: pause.policy_rule }),
    ...(pause.plan === undefined ? {} : { plan: pause.plan }),
    ...(pause.tool_call === undefined ? {} : { tool_call: pause.tool_call }),
  };
}

/** The pause a hash holds; null for a pause that is gone (or a key that never was one). */
export function pauseFromHash(pauseId: string, hash: Record<string, string>): Pause | null {
  if (!hash.rec || !hash.status) return null;
  const { agent_id, created_at, expires_at, request, policy_rule, plan, tool_call } = JSON.parse(
    hash.rec,
  ) as PauseRecord;
  const pause: Pause = {
    pause_id: pauseId,
    agent_id,
    // Records keep the wire's word (`expired` for a cancelled pause), as every version wrote it.
    status: stateOf(hash.status as PauseStatus),
    created_at,
    expires_at,
    request,
    // A tool call's decision binds to the call itself, not to its readable summary.
    action_digest: tool_call === undefined ? actionDigest(request) : toolCallDigest(tool_call),
    delivery: {},
  };
  if (tool_call !== undefined) pause.tool_call = tool_call;
  if (policy_rule !== undefined) pause.policy_rule = policy_rule;
  if (plan !== undefined) pause.plan = plan;
  if (hash.votes) pause.votes = JSON.parse(hash.votes);
  if (hash.tdec) pause.timeout_decision = JSON.parse(hash.tdec);
  if (hash.tresp) pause.timeout_response = JSON.parse(hash.tresp);
  if (hash.resp) pause.response = JSON.parse(hash.resp);
  if (hash.reason) pause.cancel_reason = hash.reason;
  if (hash.used) pause.approval_claim = hash.used;
  if (pause.status === 'timed_out') pause.ended_at = pause.expires_at;
  else if (hash.ended_ms) pause.ended_at = new Date(Number(hash.ended_ms)).toISOString();
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('d:')) (pause.delivery as Record<string, unknown>)[field.slice(2)] = JSON.parse(value);
  }
  return pause;
}

/** A flat HGETALL reply (field, value, …), as scripts return it, as an object. */
export function hashFromPairs(flat: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
  return hash;
}

/** The hash field a delivery's record is kept in. */
export const deliveryField = (key: string) => `d:${key}`;
