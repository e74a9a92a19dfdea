import { humanKey } from '../policy/humans.js';
import { SLACK_USER_PATTERN } from '../schemas.js';
import type { ApprovalPlan } from './plan.js';

/** The decider key of "any dashboard admin": a pause without approvers waits on them too. */
export const ANY_ADMIN = '*';

interface Subject {
  request: { approvers?: string[]; recipient_email?: string; recipient_slack?: string };
  plan?: ApprovalPlan;
}

/**
 * Whom a pending pause waits on, as keys (humanKey, or ANY_ADMIN): everyone who may decide it on
 * the web at some point before it ends. With approvers: each of them and each escalation step's
 * approvers (a step not yet due is weighed when read). Without: its `recipient_email`, the Slack
 * user it was sent to as a DM, and any admin. The dashboard's Waiting page reads pending pauses by
 * these keys, so no pause to anyone else can push one of yours out of sight.
 */
export function decidersOf(pause: Subject): string[] {
  const { approvers, recipient_email, recipient_slack } = pause.request;
  const keys =
    approvers && approvers.length > 0
      ? [...approvers, ...(pause.plan?.escalate ?? []).flatMap((step) => step.approvers)].map(humanKey)
      : [
          ...(recipient_email === undefined ? [] : [humanKey(recipient_email)]),
          ...(recipient_slack !== undefined && SLACK_USER_PATTERN.test(recipient_slack) ? [recipient_slack] : []),
          ANY_ADMIN,
        ];
  return [...new Set(keys)];
}
