import { approvalsOf, awayOn, currentApprovers } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import { humanKey } from '../../domain/policy/humans.js';
import { SLACK_USER_PATTERN } from '../../domain/schemas.js';
import type { JobKind } from '../../jobs/job-kinds.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import { escapeAndCut } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { finalSlackError, slackErrorSummary } from '../errors.js';
import { remindKey, requestPost } from '../messages.js';

/** Approvers a reminder names; past this many it says "and others" (one Slack message, few lookups). */
const NAMED_AT_MOST = 30;

/**
 * `slack.remind` (step: which `remind_after`): a reply in the request's thread mentioning the
 * approvers who have not voted, or, without approvers, how many approvals are still needed.
 * Nothing when the pause ended or was never posted. Posted once: the reply is recorded, and a
 * retry after it finds the record and stops.
 */
export function slackRemindJob(deps: SlackDeps): JobHandler<typeof JobKind.slackRemind> {
  const { service, client, logger } = deps;
  return async (job) => {
    const { step } = job.data;
    const pause = await service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    const where = requestPost(pause);
    if (!where) return;
    const key = remindKey(step);
    if (pause.delivery[key]?.state === 'posted') return;
    const text = await reminderText(deps, pause);
    let ts: string;
    try {
      const result = await client.chat.postMessage({
        channel: where.channel,
        thread_ts: where.ts,
        text,
        unfurl_links: false,
        unfurl_media: false,
      });
      ts = result.ts ?? '';
    } catch (error) {
      const final = finalSlackError(error);
      if (!final) throw error;
      await service.deliveries.record(pause.pause_id, key, { state: 'failed', error: final, at: now(deps) });
      logger.warn({ pause_id: pause.pause_id, step, err: slackErrorSummary(error) }, 'Slack reminder failed');
      return;
    }
    await service.deliveries.record(pause.pause_id, key, {
      state: 'posted',
      channel: where.channel,
      ts,
      at: now(deps),
    });
    logger.info({ pause_id: pause.pause_id, step }, 'reminded in Slack');
  };
}

const now = (deps: SlackDeps) => new Date(deps.service.now()).toISOString();

/** ":bell: Reminder: … still needs 1 more approval (1 of 2). Waiting on <@U…>, cfo@acme.com." */
async function reminderText(deps: SlackDeps, pause: Pause): Promise<string> {
  const required = pause.plan?.quorum ?? 1;
  const received = approvalsOf(pause.votes ?? []).length;
  const missing = Math.max(1, required - received);
  const needs =
    required <= 1
      ? 'this request still needs a decision'
      : `this request still needs ${missing} more approval${missing === 1 ? '' : 's'} (${received} of ${required} so far)`;
  const waiting = await notYetVoted(deps, pause);
  const names =
    waiting === undefined || waiting.names.length === 0
      ? ''
      : ` Waiting on ${waiting.names.join(', ')}${waiting.more ? ' and others' : ''}.`;
  return `:bell: Reminder: ${needs}.${names}`;
}

/**
 * The approvers (as of now, escalations included) who have not voted, and the delegates of those
 * of them who are away, as Slack shows them: a
 * mention for a Slack id, or for an e-mail Slack knows; else the e-mail, escaped. A human voted
 * when any of their identities did (a Slack id and its e-mail are one human). Undefined: no list.
 */
async function notYetVoted(deps: SlackDeps, pause: Pause): Promise<{ names: string[]; more: boolean } | undefined> {
  const approvers = currentApprovers(pause, deps.service.now());
  if (!approvers) return undefined;
  const voted = new Set((pause.votes ?? []).flatMap((vote) => vote.voters));
  // An away approver's delegate is reminded in their place (and beside them).
  const delegates = awayOn(pause, await deps.service.delegations(), deps.service.now())
    .filter((d) => !voted.has(humanKey(d.absent)))
    .map((d) => d.delegate);
  const names = new Set<string>();
  for (const approver of [...approvers, ...delegates]) {
    if (names.size >= NAMED_AT_MOST) return { names: [...names], more: true };
    if (voted.has(humanKey(approver))) continue;
    if (SLACK_USER_PATTERN.test(approver)) {
      const email = await deps.identity.email(approver);
      if (email !== undefined && voted.has(humanKey(email))) continue;
      names.add(`<@${approver}>`);
    } else {
      const userId = await deps.identity.userIdFor(approver);
      if (userId !== undefined && voted.has(userId)) continue;
      names.add(userId === undefined ? escapeAndCut(approver, 100) : `<@${userId}>`);
    }
  }
  return { names: [...names], more: false };
}
