import { z } from 'zod';
import { humanKey } from './policy/humans.js';
import type { DelegationMode, Policy } from './policy/types.js';
import { HUMAN_RULE, isHumanId } from './schemas.js';

/**
 * Away and delegate: while `absent` is away (from `from` until `until`), `delegate` receives what
 * they would and may vote in their place. Everything here is pure; the store keeps the records and
 * reads the clock its callers give.
 *
 * Chains are not allowed: a delegate cannot themselves be away, and someone who holds another's
 * votes cannot go away. So A→B→A is refused, and so is A→B→C: every vote a delegate casts is for at
 * most the people who named them, never passed further on.
 */
export interface Delegation {
  /** Who is away: a Slack user id or an e-mail address, as the policy or the request names them. */
  absent: string;
  /** Who decides for them meanwhile. */
  delegate: string;
  /** ISO time it was set (it starts at once). */
  from: string;
  /** ISO time it ends by itself. */
  until: string;
  /** Who set it: the absent person, or an admin (e-mail, Slack id, or `cli`). */
  set_by: string;
}

/** The longest a delegation may last: a long absence is set again, so nobody's votes are handed on forever. */
export const MAX_DELEGATION_MS = 90 * 86_400_000;

/** Why a delegation is refused, with the field it is about. */
export interface DelegationRefusal {
  field: 'absent' | 'delegate' | 'until' | 'policy';
  reason: string;
}

const humanSchema = z.string({ error: 'must be a string' }).trim().max(254).refine(isHumanId, HUMAN_RULE);

/** What a surface asks for, checked at the edge. */
export const delegationInputSchema = z.strictObject({
  absent: humanSchema,
  delegate: humanSchema,
  until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, like 2026-12-24T17:00:00Z' }),
});
export type DelegationInput = z.output<typeof delegationInputSchema>;

/** True while `delegation` is in force at `nowMs`. */
export function isActive(delegation: Pick<Delegation, 'until'>, nowMs: number): boolean {
  return Date.parse(delegation.until) > nowMs;
}

/** The same human, as approvers are matched: e-mails case-insensitively, Slack ids exactly. */
export const sameHuman = (a: string, b: string): boolean => humanKey(a) === humanKey(b);

/**
 * Checks a new delegation against the clock and the policy (the store checks loops against the
 * others in force, atomically). `policy` undefined: no policy file, so anyone may be named.
 */
export function checkDelegation(
  input: DelegationInput,
  nowMs: number,
  policy: Pick<Policy, 'delegation' | 'rules'> | undefined,
): DelegationRefusal | undefined {
  if (sameHuman(input.absent, input.delegate)) {
    return { field: 'delegate', reason: 'cannot be the person who is away: name someone else' };
  }
  const untilMs = Date.parse(input.until);
  if (!(untilMs > nowMs)) return { field: 'until', reason: 'is in the past: a delegation must end later than now' };
  if (untilMs - nowMs > MAX_DELEGATION_MS) return { field: 'until', reason: 'must be at most 90 days from now' };
  return policy === undefined ? undefined : policyRefusal(input, policy);
}

/**
 * Whether some rule lets `delegate` stand in for `absent`: a rule whose approvers include the
 * absent person, under `any`, or under `within_group` when the delegate is among the same rule's
 * approvers. With no rule naming the absent person, the top-level `delegation` decides alone
 * (requests whose approvers the agent names).
 */
function policyRefusal(
  input: DelegationInput,
  policy: Pick<Policy, 'delegation' | 'rules'>,
): DelegationRefusal | undefined {
  const routes = policy.rules.flatMap((rule) => (rule.effect.kind === 'route' ? [rule.effect] : []));
  const naming = routes.filter((effect) => allApprovers(effect).some((a) => sameHuman(a, input.absent)));
  const modeOf = (effect: { delegation?: DelegationMode }) => effect.delegation ?? policy.delegation;
  const modes = naming.length === 0 ? [policy.delegation] : naming.map(modeOf);
  if (modes.every((mode) => mode === 'deny')) {
    return { field: 'policy', reason: 'delegation: deny — the policy lets nobody vote in your place' };
  }
  if (naming.length === 0) return policy.delegation === 'any' ? undefined : withinGroupRefusal();
  const allowed = naming.some((effect) => {
    const mode = modeOf(effect);
    return (
      mode === 'any' || (mode === 'within_group' && allApprovers(effect).some((a) => sameHuman(a, input.delegate)))
    );
  });
  return allowed ? undefined : withinGroupRefusal();
}

function withinGroupRefusal(): DelegationRefusal {
  return {
    field: 'delegate',
    reason:
      'delegation: within_group — the delegate must already be among the approvers of a rule that names the person who is away',
  };
}

function allApprovers(effect: { approvers: string[]; escalate: { approvers: string[] }[] }): string[] {
  return [...effect.approvers, ...effect.escalate.flatMap((step) => step.approvers)];
}

/** What a pause's plan allows at vote time; plans without a mode (tool calls, older pauses) mean `within_group`. */
export function delegationModeOf(plan: { delegation?: DelegationMode } | undefined): DelegationMode {
  if (plan === undefined) return 'any';
  return plan.delegation ?? 'within_group';
}

/**
 * Why the store refused a delegation against the others in force: the delegate is away themselves,
 * or the person going away holds someone else's votes (a chain, or a loop back to them).
 */
export type DelegationConflict = 'delegate_away' | 'absent_is_delegate';

export function conflictRefusal(
  conflict: DelegationConflict,
  input: Pick<Delegation, 'absent' | 'delegate'>,
): DelegationRefusal {
  return conflict === 'delegate_away'
    ? {
        field: 'delegate',
        reason: `${input.delegate} is away themselves: delegations are not passed on (no chains or loops)`,
      }
    : {
        field: 'absent',
        reason: `${input.absent} decides for someone who is away: end that first (delegations are not passed on, no chains or loops)`,
      };
}

/** "Sarah is away until Fri 24 Dec — Bob decides for her": plain text, for the surface to escape. */
export function awayNotice(
  delegation: Pick<Delegation, 'absent' | 'delegate' | 'until'>,
  name = (id: string) => id,
): string {
  const until = new Date(delegation.until).toUTCString().replace(/:\d\d GMT$/, ' UTC');
  return `${name(delegation.absent)} is away until ${until} — ${name(delegation.delegate)} decides for them`;
}
