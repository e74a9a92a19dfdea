import type { Policy } from '../domain/policy/index.js';

/**
 * Rule settings this version parses but does not carry out yet (quorum, reminders, escalation, a
 * timeout decision, maker-checker). A server refuses to run a policy that asks for them, rather
 * than let one approver decide what the operator wrote down as "two people".
 */
export function notYetEnforced(policy: Policy): string[] {
  const problems: string[] = [];
  for (const rule of policy.rules) {
    if (rule.effect.kind !== 'route') continue;
    const at = `rules[${rule.index}] (${rule.name})`;
    const plan = rule.effect;
    if (plan.quorum > 1) problems.push(`${at}.quorum: ${plan.quorum} approvals are not enforced by this version yet`);
    if (plan.ownerCannotApprove) problems.push(`${at}.owner_cannot_approve: not enforced by this version yet`);
    if (plan.remindAfterMs.length > 0) problems.push(`${at}.remind_after: reminders are not sent by this version yet`);
    if (plan.escalate.length > 0) problems.push(`${at}.escalate: escalation is not run by this version yet`);
    if (plan.onTimeout !== 'timed_out')
      problems.push(`${at}.on_timeout: only timed_out is carried out by this version yet`);
  }
  return problems;
}
