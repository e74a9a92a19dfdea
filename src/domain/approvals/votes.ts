import { humanKey } from '../policy/humans.js';
import type { Decision, DecisionChannel } from '../vocabulary.js';

/** One human's vote on a pause, in the order votes arrived. */
export interface Vote {
  decision: Decision;
  responder: string;
  channel: DecisionChannel;
  responded_at: string;
  comment: string;
  fields: Record<string, string>;
  /**
   * Every identity of the voter (Slack id, e-mail) as a human key: any shared key is the same human.
   * A delegate's vote also lists the key of the approver they stand in for, so that approver's own
   * vote is a repeat (and the other way round).
   */
  voters: string[];
  /** A delegate's vote: the away approver they voted for (as the delegation names them). */
  on_behalf_of?: string;
}

/**
 * An approving vote as the signed decision lists it; keys in sorted order, so any canonical form
 * agrees. `fields` is this voter's own answers to the response fields (keys sorted; `{}` when they
 * gave none); decisions signed before answers were kept per vote have no `fields` here.
 */
export interface Approval {
  channel: DecisionChannel;
  comment: string;
  fields: Record<string, string>;
  /** A delegate's approval: whom it stands for. Absent otherwise. */
  on_behalf_of?: string;
  responded_at: string;
  responder: string;
}

/** The keys a human is known by: a Slack id and the e-mail it maps to are one human. */
export function voterKeys(identities: ReadonlyArray<string | undefined>): string[] {
  const keys = identities.filter((id): id is string => id !== undefined && id !== '').map(humanKey);
  return [...new Set(keys)];
}

export function hasVoted(votes: readonly Vote[], keys: readonly string[]): boolean {
  return votes.some((vote) => vote.voters.some((key) => keys.includes(key)));
}

export function approvalsOf(votes: readonly Vote[]): Approval[] {
  return votes
    .filter((vote) => vote.decision === 'approved')
    .map((vote) => ({
      channel: vote.channel,
      comment: vote.comment,
      fields: sortedFields(vote.fields),
      ...(vote.on_behalf_of === undefined ? {} : { on_behalf_of: vote.on_behalf_of }),
      responded_at: vote.responded_at,
      responder: vote.responder,
    }));
}

/** A copy of answers with keys in sorted order: how every signed or audited `fields` is laid out. */
export function sortedFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(fields).sort()) sorted[key] = fields[key] ?? '';
  return sorted;
}

/** The outcome `votes` reach: any rejection vetoes; `quorum` approvals approve; else still open. */
export function outcomeOf(votes: readonly Vote[], quorum: number): Decision | undefined {
  if (votes.some((vote) => vote.decision === 'rejected')) return 'rejected';
  return approvalsOf(votes).length >= quorum ? 'approved' : undefined;
}

/**
 * The answers to response fields the signed decision carries: the deciding vote's, with earlier
 * approvers' answers filling what it left out.
 */
export function mergedFields(votes: readonly Vote[]): Record<string, string> {
  const merged: Record<string, string> = Object.create(null);
  for (const vote of votes) {
    if (vote.decision !== 'approved' && vote !== votes.at(-1)) continue;
    for (const [name, value] of Object.entries(vote.fields)) merged[name] = value;
  }
  return { ...merged };
}
