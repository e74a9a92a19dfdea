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
 * What is certain about maker-checker from the identities alone, before Slack is asked: `owner` when
 * one of them is the key owner's. Whether anyone else may vote (the owner's other identities, one
 * human on two surfaces) takes Slack's links: `judgeVote` decides, and may still refuse. A hint for
 * pages that hide a form nobody could use; `unverifiable` is never certain without the links.
 */
export function identityCheck(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
): 'ok' | 'owner' | 'unverifiable' {
  const owner = pause.plan?.excluded_owner;
  if (owner === undefined) return 'ok';
  const key = humanKey(owner);
  return identities.some((id) => id !== undefined && id !== '' && humanKey(id) === key) ? 'owner' : 'ok';
}
