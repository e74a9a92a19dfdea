import type { Pause } from '../pause.js';
import { approvalsOf } from './votes.js';

/** What a voter is told when their vote did not close the pause; the same words on every surface. */
export type VoteNotice = 'counted' | 'already_voted' | 'owner' | 'unverifiable';

export function voteNoticeText(notice: VoteNotice, pause: Pause): string {
  const received = approvalsOf(pause.votes ?? []).length;
  const required = pause.plan?.quorum ?? 1;
  const rule = pause.policy_rule === undefined ? 'the policy' : `policy rule "${pause.policy_rule}"`;
  switch (notice) {
    case 'counted':
      return `Your approval is counted: ${received} of ${required} approvals. The request stays open until ${required} people approve; a rejection ends it.`;
    case 'already_voted':
      return `You already voted on this request (${received} of ${required} approvals so far). Nothing changed.`;
    case 'owner':
      return `You own the API key that asked for this, and ${rule} lets only someone else decide (maker-checker). Nothing changed.`;
    case 'unverifiable':
      return pause.plan?.excluded_owner !== undefined
        ? `The owner of the API key that asked may not decide this (${rule}), and this vote could not be checked against the owner: you are known here only by e-mail or only by Slack id, the owner by the other. Nothing changed.`
        : `This request needs ${required} different people, counted by e-mail, and your e-mail address could not be read from Slack. Nothing changed: decide from the e-mail or the dashboard, or ask the Slack admin to grant the app users:read.email.`;
  }
}
