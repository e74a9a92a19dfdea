import { type Delegation, delegationModeOf, isActive, sameHuman } from '../delegation.js';
import { humanKey } from '../policy/humans.js';
import { currentApprovers, identityCheck, mayDecide } from './approvers.js';
import type { ApprovalPlan } from './plan.js';
import { type Vote, voterKeys } from './votes.js';

interface Subject {
  created_at: string;
  request: { approvers?: string[] };
  plan?: ApprovalPlan;
  votes?: readonly Pick<Vote, 'voters'>[];
}

/**
 * Whom a voter stands in for on this pause, by the delegations in force: `for` the away approver
 * (as their delegation names them), `as` the delegate's identity as the delegation names it. Only
 * where the pause has approvers and the away person is one of them as of now, is not the key's owner
 * and has not voted, and the pause's `delegation` mode allows the voter (`within_group`: the voter is
 * an approver of it in their own right). The first such approver by key when several named the voter.
 * `spent`: the voter is someone's delegate here, but everyone they stand for has voted already.
 */
export function standIn(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
  delegations: readonly Delegation[],
  nowMs: number,
): { for: string; as: string } | { spent: true } | undefined {
  const mode = delegationModeOf(pause.plan);
  if (mode === 'deny' || currentApprovers(pause, nowMs) === undefined) return undefined;
  const keys = voterKeys(identities);
  const mine = delegations.filter(
    (d) =>
      isActive(d, nowMs) &&
      keys.includes(humanKey(d.delegate)) &&
      !keys.includes(humanKey(d.absent)) &&
      mayDecide(pause, [d.absent], nowMs) &&
      identityCheck(pause, [d.absent]) === 'ok',
  );
  if (mine.length === 0) return undefined;
  if (mode === 'within_group' && !mayDecide(pause, identities, nowMs)) return undefined;
  const open = mine
    .filter((d) => !(pause.votes ?? []).some((vote) => vote.voters.includes(humanKey(d.absent))))
    .sort((a, b) => (humanKey(a.absent) < humanKey(b.absent) ? -1 : 1));
  const first = open[0];
  return first ? { for: first.absent, as: first.delegate } : { spent: true };
}

/**
 * The pause as judged for a delegate's vote: the delegate joins its approvers, so the usual
 * judgement (maker-checker, distinctness from earlier voters) is made on the delegate's own identity.
 */
export function withDelegate<P extends Subject>(pause: P, delegate: string): P {
  const approvers = pause.request.approvers ?? [];
  if (approvers.some((a) => sameHuman(a, delegate))) return pause;
  return { ...pause, request: { ...pause.request, approvers: [...approvers, delegate] } };
}

/** Delegations in force whose away person is among this pause's approvers as of now: for "X is away — Y decides". */
export function awayOn(pause: Subject, delegations: readonly Delegation[], nowMs: number): Delegation[] {
  if (delegationModeOf(pause.plan) === 'deny' || currentApprovers(pause, nowMs) === undefined) return [];
  return delegations.filter((d) => isActive(d, nowMs) && mayDecide(pause, [d.absent], nowMs));
}
