import { escalationsDue, type Vote } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import { SLACK_USER_PATTERN } from '../../domain/schemas.js';
import { escapeAndCut, mrkdwn } from './escape.js';
import type { KnownBlock } from './types.js';

/** Approvers named on one progress line; more are counted, not named (Slack's 3000 characters). */
const NAMED_AT_MOST = 20;

/**
 * A voter as Slack shows them: a mention when the vote carries their Slack id (Slack then shows
 * their name), else the responder (an e-mail), escaped and cut.
 */
function voterName(vote: Vote): string {
  const slackId = vote.voters.find((key) => SLACK_USER_PATTERN.test(key));
  if (slackId !== undefined) return `<@${slackId}>`;
  return SLACK_USER_PATTERN.test(vote.responder) ? `<@${vote.responder}>` : escapeAndCut(vote.responder, 100);
}

/** Where a step escalated to: a channel or user id as a link, a `#name` or anything else escaped. */
function destination(target: string): string {
  if (/^[CG][A-Z0-9]+$/.test(target)) return `<#${target}>`;
  if (SLACK_USER_PATTERN.test(target)) return `<@${target}>`;
  return escapeAndCut(target, 100);
}

/** "1 of 2 approvals — <@U…> ✓": only when the policy asks for more than one approval. */
export function progressText(pause: Pause): string | undefined {
  const required = pause.plan?.quorum ?? 1;
  if (required <= 1) return undefined;
  const approvals = (pause.votes ?? []).filter((vote) => vote.decision === 'approved');
  const named = approvals.slice(0, NAMED_AT_MOST).map((vote) => `${voterName(vote)} ✓`);
  const more = approvals.length - named.length;
  const who = named.length === 0 ? '' : ` — ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return `*${approvals.length} of ${required} approvals*${who}`;
}

export function progressBlock(pause: Pause): KnownBlock | undefined {
  const text = progressText(pause);
  return text === undefined ? undefined : { type: 'context', elements: [mrkdwn(`:ballot_box_with_check: ${text}`)] };
}

/** One line per escalation step due by `nowMs`: "Escalated to #cfo-office", or more approvers may decide. */
export function escalationBlock(pause: Pause, nowMs: number): KnownBlock | undefined {
  const due = (pause.plan?.escalate ?? []).slice(0, escalationsDue(pause, nowMs));
  if (due.length === 0) return undefined;
  const lines = due.map((step) =>
    step.route?.slack === undefined
      ? ':arrow_double_up: Escalated: more approvers may decide'
      : `:arrow_double_up: Escalated to ${destination(step.route.slack)}`,
  );
  return { type: 'context', elements: [mrkdwn(lines.join('\n'))] };
}
