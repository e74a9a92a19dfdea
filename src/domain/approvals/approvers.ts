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
 * Maker-checker: `owner` when one of the voter's identities is the key owner the plan excludes;
 * `unverifiable` when the owner is known by e-mail and the voter's e-mail is not (a Slack user whose
 * e-mail the app cannot read), so the vote cannot be told apart from the owner's and is refused.
 */
export function makerCheck(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
): 'ok' | 'owner' | 'unverifiable' {
  const owner = pause.plan?.excluded_owner;
  if (owner === undefined) return 'ok';
  const key = humanKey(owner);
  const known = identities.filter((id): id is string => id !== undefined && id !== '');
  if (known.some((id) => humanKey(id) === key)) return 'owner';
  if (owner.includes('@') && !known.some((id) => id.includes('@'))) return 'unverifiable';
  return 'ok';
}
