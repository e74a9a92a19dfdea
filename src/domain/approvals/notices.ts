import type { Pause } from '../pause.js';
import type { Unverifiable } from './identities.js';
import { approvalsOf } from './votes.js';

/** What a voter is told when their vote did not close the pause; the same words on every surface. */
export type VoteNotice = 'counted' | 'already_voted' | 'owner' | 'unverifiable';

/**
 * The words for `notice`. `reason` says why a vote was unverifiable; without it (a surface that
 * does not pass it on) the words say what such a refusal means in general.
 */
export function voteNoticeText(notice: VoteNotice, pause: Pause, reason?: Unverifiable): string {
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
      return reason ? unverifiableText(reason, rule, required) : unverifiableInGeneral(pause, rule, required);
  }
}

function unverifiableInGeneral(pause: Pause, rule: string, required: number): string {
  const link =
    'LoopPause links a Slack account and an e-mail address to one person only through Slack (the account that holds the address), and here it could not';
  return pause.plan?.excluded_owner !== undefined
    ? `The owner of the API key that asked may not decide this (${rule}), and this vote could not be checked against the owner or the earlier votes: ${link}. Nothing changed.`
    : `This request needs ${required} different people, and this vote could not be told apart from an earlier one: ${link}. Nothing changed.`;
}

const SAME_NAMES =
  '(People are told apart by their Slack accounts, or by the addresses LoopPause checked or the policy lists: an approver listed by the address of their Slack account is known both ways.)';

/** Slack refused the lookup for want of a scope: waiting does not help, reinstalling the app does. */
const MISSING_EMAIL_SCOPE =
  'the Slack app lacks the users:read.email scope (missing_scope), which a Slack admin must add before reinstalling the app to the workspace';

/** Whether trying again later may help: not when Slack refused for want of a scope. */
function mayClearUp(cause: Unverifiable['cause']): boolean {
  return cause.kind === 'unknown' && cause.error !== 'missing_scope';
}

/** Why Slack could not link the two, in the voter's words. */
function causeText(cause: Unverifiable['cause'], missing: string): string {
  switch (cause.kind) {
    case 'none':
      return `no Slack account has ${missing}`;
    case 'unknown':
      if (cause.error === 'missing_scope') return `Slack would not say who has ${missing}: ${MISSING_EMAIL_SCOPE}`;
      return `Slack did not answer who has ${missing} (${cause.error})`;
    case 'no_slack':
      return `this server has no Slack connection to ask who has ${missing}`;
  }
}

function unverifiableText(reason: Unverifiable, rule: string, required: number): string {
  const retry = mayClearUp(reason.cause) ? ' Try again in a minute, or' : '';
  const other = (bySlack: string, byEmail: string) => (reason.voter === 'slack' ? bySlack : byEmail);
  switch (reason.from) {
    case 'approvers': {
      const instead = other('decide from the e-mail or the dashboard', 'decide in Slack if the request is there');
      if (reason.cause.kind === 'unknown' && !mayClearUp(reason.cause)) {
        return `LoopPause could not check that you are one of the approvers of this request: ${MISSING_EMAIL_SCOPE}. Nothing changed. Meanwhile, ${instead}.`;
      }
      return `LoopPause could not check that you are one of the approvers of this request: Slack did not answer (${reason.cause.kind === 'unknown' ? reason.cause.error : 'no answer'}). Nothing changed. Try again in a minute, or ${instead}.`;
    }
    case 'owner': {
      const head = `The owner of the API key that asked may not decide this (${rule}), and LoopPause cannot tell you apart from the owner`;
      if (reason.voter === 'nothing') return `${head}: it does not know who you are. Nothing changed.`;
      const why = other(
        `: you are known here by your Slack account, the owner by an e-mail address, and ${causeText(reason.cause, "the owner's address")}`,
        `: you are known here by your e-mail address, the owner by a Slack account, and ${causeText(reason.cause, 'your address')}`,
      );
      const advice = other(
        `${retry || ' Instead,'} decide from the e-mail or the dashboard, or ask the operator to name the key's owner by the e-mail address of their Slack account or by their Slack id.`,
        `${retry || ' Instead,'} decide in Slack if the request is there, or ask the operator to name the key's owner by e-mail address.`,
      );
      return `${head}${why}. Nothing changed.${advice}`;
    }
    case 'earlier_voter': {
      const head = `This request needs ${required} different people, and LoopPause cannot tell you apart from someone who already voted`;
      if (reason.voter === 'nothing') return `${head}: it does not know who you are. Nothing changed.`;
      const why = other(
        ` by e-mail or on the dashboard: you are known here by your Slack account, and ${causeText(reason.cause, 'their address')}`,
        ` in Slack: you are known here by your e-mail address, and ${causeText(reason.cause, 'your address')}`,
      );
      const advice = other(
        `${retry || ' If you have not voted yet,'} decide from the e-mail or the dashboard.`,
        `${retry || ' If you have not voted yet,'} decide in Slack.`,
      );
      return `${head}${why}. Nothing changed.${advice} ${SAME_NAMES}`;
    }
  }
}
