import type { Pause } from '../../domain/pause.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import { outcomeMessage } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { finalSlackError, slackErrorSummary } from '../errors.js';

/**
 * `pause.ended` (queued once by the store when a pause leaves pending, run by one replica):
 * replaces the posted message with the outcome, who, when and the comment, and no buttons.
 */
export function pauseEndedJob(deps: SlackDeps): JobHandler {
  return async (job) => {
    const pause = await deps.service.get(job.pause_id);
    if (!pause || pause.status === 'pending') return;
    await updateSlackMessage(deps, pause);
  };
}

export async function updateSlackMessage(deps: SlackDeps, pause: Pause): Promise<void> {
  const slack = pause.delivery.slack;
  if (slack?.state !== 'posted' || !slack.channel || !slack.ts) return;
  const message = outcomeMessage(pause);
  try {
    await deps.client.chat.update({ channel: slack.channel, ts: slack.ts, text: message.text, blocks: message.blocks });
  } catch (error) {
    const final = finalSlackError(error);
    if (!final) throw error;
    // e.g. message_not_found (deleted) or invalid_auth: nothing left to update.
    deps.logger.warn({ pause_id: pause.pause_id, err: slackErrorSummary(error) }, 'chat.update failed');
  }
}
