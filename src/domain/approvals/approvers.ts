import { dedupeHumans, humanKey } from '../policy/humans.js';
import type { ApprovalPlan } from './plan.js';

interface Subject {
  created_at: string;
  request: { approvers?: string[] };
  plan?: ApprovalPlan;
}

/** How many escalation steps have come due by `nowMs`: time alone decides, so every replica agrees. */
export function escalationsDue(pause: Subject, nowMs: number): number {
  const createdMs = Date.parse(pause.created_at);
  return (pause.plan?.escalate ?? []).filter((step) => createdMs + step.after_ms <= nowMs).length;
}

/**
 * Who may decide as of `nowMs`: the request's approvers, widened by every escalation step that came
 * due. Undefined: no list, so anyone the request reaches may decide.
 */
export function currentApprovers(pause: Subject, nowMs: number): string[] | undefined {
  const base = pause.request.approvers;
  if (!base || base.length === 0) return undefined;
  const steps = (pause.plan?.escalate ?? []).slice(0, escalationsDue(pause, nowMs));
  return dedupeHumans([...base, ...steps.flatMap((step) => step.approvers)]);
}

/** Approvers match case-insensitively on e-mail; Slack ids match exactly. */
export function mayDecide(pause: Subject, identities: ReadonlyArray<string | undefined>, nowMs: number): boolean {
  const approvers = currentApprovers(pause, nowMs);
  if (!approvers) return true;
  const allowed = new Set(approvers.map(humanKey));
  return identities.some((id) => id !== undefined && allowed.has(humanKey(id)));
}

/**
 * Whether a voter can be told apart from the people their vote must not be mistaken for:
 * - `owner`: one of their identities is the key owner's (maker-checker, owner_cannot_approve);
 * - `unverifiable`: they are known by one kind of identity only (e-mail, or Slack id) while what
 *   must be compared is known by the other: the owner, or, where several approvals are needed,
 *   their own earlier vote under their other identity. A Slack user whose e-mail the app cannot
 *   read, or an e-mail voter against an owner recorded as a Slack id, is refused rather than
 *   counted as someone else.
 */
export function identityCheck(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
): 'ok' | 'owner' | 'unverifiable' {
  const known = identities.filter((id): id is string => id !== undefined && id !== '');
  const hasEmail = known.some((id) => id.includes('@'));
  const hasSlackId = known.some((id) => !id.includes('@'));
  const owner = pause.plan?.excluded_owner;
  if (owner !== undefined) {
    const key = humanKey(owner);
    if (known.some((id) => humanKey(id) === key)) return 'owner';
    if (owner.includes('@') ? !hasEmail : !hasSlackId) return 'unverifiable';
  }
  // With a quorum, one human must count once: a vote is kept by e-mail, the identity every surface knows.
  if ((pause.plan?.quorum ?? 1) > 1 && !hasEmail) return 'unverifiable';
  return 'ok';
}
