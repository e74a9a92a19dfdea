import type { Pause } from '../../domain/pause.js';
import type { JobKind } from '../../jobs/job-kinds.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import { awayLines } from '../../use-cases/away-lines.js';
import { requestMessage } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { finalSlackError, slackErrorSummary } from '../errors.js';
import type { PostedMessage } from '../messages.js';
import { showLatest } from './update-message.js';

/** After this many failed runs a transient failure (network, Slack 5xx) counts as final too. */
const MAX_TRANSIENT_ATTEMPTS = 5;

/** Why a failed post will not be retried (Slack's final error, or too many transient failures); undefined: retry. */
export function finalPostError(error: unknown, attempts: number): string | undefined {
  return finalSlackError(error) ?? (attempts >= MAX_TRANSIENT_ATTEMPTS ? 'unreachable' : undefined);
}

/** Posts the request message, with its buttons, to `target`: where Slack put it, or a throw. */
export async function postRequestMessage(deps: SlackDeps, pause: Pause, target: string): Promise<PostedMessage> {
  const message = requestMessage(pause, deps.service.now(), {
    publicUrl: deps.publicUrl,
    away: await awayLines(deps.service, pause),
  });
  const result = await deps.client.chat.postMessage({
    channel: target,
    text: message.text,
    blocks: message.blocks,
    unfurl_links: false,
    unfurl_media: false,
  });
  if (!result.channel || !result.ts) throw new Error('chat.postMessage answered without channel or ts');
  return { channel: result.channel, ts: result.ts };
}

/**
 * `slack.post`: posts the request to `#name`, a channel id, or a user id (a DM from the app) and
 * stores channel and ts on the pause. A final failure is stored on the pause and, when the pause
 * has an e-mail recipient, handed to e-mail at once (the service's delivery plan). Idempotent: a retry
 * after a post skips.
 */
export function postRequestJob(deps: SlackDeps): JobHandler<typeof JobKind.slackPost> {
  const { service, logger } = deps;
  return async (job) => {
    const pause = await service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    if (pause.delivery.slack?.state === 'posted') return;
    const target = pause.request.recipient_slack;
    if (!target) return;
    let posted: PostedMessage;
    try {
      posted = await postRequestMessage(deps, pause, target);
    } catch (error) {
      const final = finalPostError(error, job.attempts);
      if (!final) {
        // Shown on the pause and counted in the metrics; the runner retries with backoff.
        await service.deliveries.record(pause.pause_id, 'slack', {
          state: 'retrying',
          error: slackErrorSummary(error),
          at: new Date().toISOString(),
        });
        throw error;
      }
      await service.deliveries.record(pause.pause_id, 'slack', {
        state: 'failed',
        error: final,
        at: new Date().toISOString(),
      });
      const handedOver = await service.deliveries.handOverToEmail(pause);
      logger.warn(
        { pause_id: pause.pause_id, err: slackErrorSummary(error), fallback: handedOver ? 'email' : 'none' },
        'Slack post failed',
      );
      return;
    }
    await service.deliveries.record(pause.pause_id, 'slack', {
      state: 'posted',
      ...posted,
      at: new Date().toISOString(),
    });
    logger.info({ pause_id: pause.pause_id, channel: posted.channel }, 'posted to Slack');
    // The pause may have ended, or a vote (by e-mail) been counted, while we posted: their jobs
    // found no ts, so update here.
    const after = await service.get(pause.pause_id);
    if (after && (after.status !== 'pending' || (after.votes?.length ?? 0) !== (pause.votes?.length ?? 0))) {
      await showLatest(deps, after);
    }
  };
}
