import { escalationsDue } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import type { JobKind } from '../../jobs/job-kinds.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import { awayLines } from '../../use-cases/away-lines.js';
import { outcomeMessage, requestMessage, type SlackMessage } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { finalSlackError, slackErrorSummary } from '../errors.js';
import { type PostedMessage, postedMessages } from '../messages.js';

/**
 * `pause.ended` (queued once by the store when a pause leaves pending, run by one replica):
 * replaces every message of the pause (the first post and each escalation's) with the outcome,
 * who, when and the comment, and no buttons.
 */
export function pauseEndedJob(deps: SlackDeps): JobHandler<typeof JobKind.pauseEnded> {
  return async (job) => {
    const pause = await deps.service.get(job.data.pause_id);
    if (!pause || pause.status === 'pending') return;
    await showLatest(deps, pause);
  };
}

/** What a message of the pause shows: the same key, the same blocks. */
function shownState(pause: Pause, nowMs: number): string {
  const due = pause.status === 'pending' ? escalationsDue(pause, nowMs) : 0;
  const where = postedMessages(pause).map((m) => `${m.channel}/${m.ts}`);
  return JSON.stringify([pause.status, pause.votes?.length ?? 0, due, where]);
}

/** Rounds of "update, then read again" before giving up on a pause that keeps changing. */
const MAX_ROUNDS = 3;

/**
 * Brings every message of the pause to what it is now: live with the approvals so far while
 * pending, the outcome with no buttons once ended. Jobs for the same pause may run at once on
 * several replicas (a vote, the end, an escalation), and whichever update lands last wins in Slack:
 * so after updating, the pause is read again, and shown again when it changed meanwhile. The last
 * job to finish leaves the messages showing its last read, which no change came after.
 */
export async function showLatest(deps: SlackDeps, first: Pause): Promise<void> {
  let pause: Pause | null = first;
  let shown: string | undefined;
  for (let round = 0; pause && round < MAX_ROUNDS; round++) {
    const nowMs = deps.service.now();
    const state = shownState(pause, nowMs);
    if (state === shown) return;
    const links = { publicUrl: deps.publicUrl };
    const message =
      pause.status === 'pending'
        ? requestMessage(pause, nowMs, { ...links, away: await awayLines(deps.service, pause) })
        : outcomeMessage(pause, links);
    for (const where of postedMessages(pause)) await updateOne(deps, pause, where, message);
    shown = state;
    pause = await deps.service.get(pause.pause_id);
  }
}

async function updateOne(deps: SlackDeps, pause: Pause, where: PostedMessage, message: SlackMessage): Promise<void> {
  try {
    await deps.client.chat.update({ channel: where.channel, ts: where.ts, text: message.text, blocks: message.blocks });
  } catch (error) {
    const final = finalSlackError(error);
    if (!final) throw error;
    // e.g. message_not_found (deleted) or invalid_auth: nothing left to update there.
    deps.logger.warn(
      { pause_id: pause.pause_id, channel: where.channel, err: slackErrorSummary(error) },
      'chat.update failed',
    );
  }
}
