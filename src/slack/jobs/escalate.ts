import type { Pause } from '../../domain/pause.js';
import type { JobKind } from '../../jobs/job-kinds.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import type { SlackDeps } from '../deps.js';
import { slackErrorSummary } from '../errors.js';
import { escalateKey } from '../messages.js';
import { finalPostError, postRequestMessage } from './post-request.js';
import { showLatest } from './update-message.js';

/**
 * `slack.escalate` (step: which `escalate` entry): posts the request, with its buttons, to the
 * step's Slack route and records it beside the pause (its members may then decide: SlackAudience),
 * then brings every message of the pause up to date ("Escalated to #cfo-office"). Without a Slack
 * route the earlier messages still say that more approvers may decide. Posted once: a retry after
 * the post finds the record.
 */
export function slackEscalateJob(deps: SlackDeps): JobHandler<typeof JobKind.slackEscalate> {
  const { service } = deps;
  return async (job) => {
    const { step } = job.data;
    const pause = await service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    const target = pause.plan?.escalate[step]?.route?.slack;
    if (target !== undefined && pause.delivery[escalateKey(step)]?.state !== 'posted') {
      await postEscalation(deps, pause, step, target, job.attempts);
    }
    // The pause may have ended while posting: showLatest then shows the outcome everywhere.
    const after = await service.get(pause.pause_id);
    if (after) await showLatest(deps, after);
  };
}

async function postEscalation(deps: SlackDeps, pause: Pause, step: number, target: string, attempts: number) {
  const { service, logger } = deps;
  const key = escalateKey(step);
  const at = () => new Date(service.now()).toISOString();
  try {
    const posted = await postRequestMessage(deps, pause, target);
    await service.deliveries.record(pause.pause_id, key, { state: 'posted', ...posted, at: at() });
    logger.info({ pause_id: pause.pause_id, step, channel: posted.channel }, 'escalated in Slack');
  } catch (error) {
    const final = finalPostError(error, attempts);
    if (!final) throw error;
    // The earlier messages are still updated: the step's approvers may decide wherever they see it.
    await service.deliveries.record(pause.pause_id, key, { state: 'failed', error: final, at: at() });
    logger.warn({ pause_id: pause.pause_id, step, err: slackErrorSummary(error) }, 'Slack escalation post failed');
  }
}
