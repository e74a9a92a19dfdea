import { sortedFields, type Vote } from '../approvals/votes.js';
import type { Pause } from '../pause.js';
import type { SignedDecision } from '../signing.js';

/**
 * What each audit entry of a pause change says, built once here for both stores (the Redis
 * scripts receive it as JSON). Agent text is not copied beyond the action's first 200 characters:
 * the log proves who did what when; the pause holds the rest.
 */
export function createdData(pause: Pause): Record<string, unknown> {
  const { request } = pause;
  return {
    action: request.action_description.slice(0, 200),
    action_digest: pause.action_digest,
    expires_at: pause.expires_at,
    ...(request.recipient_slack === undefined ? {} : { recipient_slack: request.recipient_slack }),
    ...(request.recipient_email === undefined ? {} : { recipient_email: request.recipient_email }),
    ...(request.approvers === undefined ? {} : { approvers: request.approvers }),
    ...(pause.policy_rule === undefined ? {} : { policy_rule: pause.policy_rule }),
    ...(pause.plan && pause.plan.quorum > 1 ? { quorum: pause.plan.quorum } : {}),
  };
}

/**
 * A vote: its decision, channel, comment (first 500 characters) and, when the voter answered any
 * response fields, those answers (keys sorted), so every voter's answers are on record, not only
 * the merged ones the decision carries. Both absent when empty. A delegate's vote names whom it
 * stands for (`on_behalf_of`); the entry's actor is the delegate.
 */
export function voteData(vote: Vote): Record<string, unknown> {
  return {
    decision: vote.decision,
    channel: vote.channel,
    ...(vote.comment ? { comment: vote.comment.slice(0, 500) } : {}),
    ...(Object.keys(vote.fields).length > 0 ? { fields: sortedFields(vote.fields) } : {}),
    ...(vote.on_behalf_of === undefined ? {} : { on_behalf_of: vote.on_behalf_of }),
  };
}

export function decidedData(response: SignedDecision): Record<string, unknown> {
  return {
    decision: response.decision,
    channel: response.channel,
    nonce: response.nonce,
    ...(response.approvals ? { approvals: response.approvals.length } : {}),
  };
}

/** A cancel's reason, as long as a vote's comment may be. */
export function cancelledData(reason: string | undefined): Record<string, unknown> {
  return reason === undefined ? {} : { reason: reason.slice(0, 500) };
}

export const agentActor = (agentId: string) => `key:${agentId}`;

/** The canonical body of an entry; the Redis scripts (lua/includes/audit.lua) write the same shape. */
export function auditBody(entry: {
  seq: number;
  atMs: number;
  type: string;
  pause_id?: string | undefined;
  actor: string;
  data: Record<string, unknown>;
}): string {
  const pause = entry.pause_id === undefined ? '' : `,"pause_id":${JSON.stringify(entry.pause_id)}`;
  return (
    `{"seq":${entry.seq},"at":"${new Date(entry.atMs).toISOString()}","type":${JSON.stringify(entry.type)}${pause}` +
    `,"actor":${JSON.stringify(entry.actor)},"data":${JSON.stringify(entry.data)}}`
  );
}
