import { randomUUID } from 'node:crypto';
import { standIn } from '../domain/approvals/index.js';
import { sameHuman } from '../domain/delegation.js';
import { errorSummary } from '../domain/errors.js';
import type { EmailStepDelivery, Pause } from '../domain/pause.js';
import { DECISION_LINK_PATH } from '../http/secret-paths.js';
import type { JobKind } from '../jobs/job-kinds.js';
import { DEFAULT_MAX_ATTEMPTS, type JobHandler } from '../jobs/job-runner.js';
import type { Job } from '../store/ports/jobs.js';
import { awayLines } from '../use-cases/away-lines.js';
import { delegateDeliveryKey } from '../use-cases/deliveries.js';
import type { EmailDeps } from './send.js';
import { type RequestEmailKind, renderRequestEmail } from './template.js';
import { issueDecisionToken, recipientDone } from './tokens.js';
import { messageIdDomain } from './transport.js';

type StepKey = `email_remind_${number}` | `email_escalate_${number}` | `email_delegate_${string}`;

/**
 * `email.remind` (step: which `plan.remind_after_ms`): the request's recipient gets a reminder in
 * the request e-mail's thread, with a fresh decision link and the approvals so far. Nothing when
 * the request e-mail never went out (Slack was enough so far), when the recipient already voted,
 * or when the pause has ended. Recorded per step, so a retry after a success sends nothing.
 */
export function remindJob(deps: EmailDeps): JobHandler<typeof JobKind.emailRemind> {
  const { logger } = deps;
  return async (job) => {
    const { step } = job.data;
    const pause = await deps.service.get(job.data.pause_id);
    if (pause?.status !== 'pending' || pause.plan?.remind_after_ms[step] === undefined) return;
    const key: StepKey = `email_remind_${step}`;
    if (isDone(pause.delivery[key])) return;
    const to = pause.request.recipient_email;
    const request = pause.delivery.email;
    if (to === undefined || request?.state !== 'sent' || request.message_id === undefined) {
      if (to !== undefined && requestOnItsWay(deps, pause)) {
        // Thrown, so the runner tries again with backoff: the reminder needs the request's Message-ID.
        throw new Error('the request e-mail is not sent yet; the reminder waits for it');
      }
      await skip(deps, pause, key, 'the request e-mail was not sent', to);
      return;
    }
    const already = whyNot(pause, to);
    if (already) {
      await skip(deps, pause, key, already, to);
      return;
    }
    await sendStep(deps, job, pause, { key, to, kind: 'reminder', inReplyTo: request.message_id });
    logger.info({ pause_id: pause.pause_id, step }, 'e-mail reminder sent');
  };
}

/**
 * `email.escalate` (step: which `plan.escalate`): the request goes to the step's e-mail route with
 * its own decision link; the approvers have widened with the step by then (time decides), so that
 * link can vote. Recorded per step, like reminders.
 */
export function escalateJob(deps: EmailDeps): JobHandler<typeof JobKind.emailEscalate> {
  const { logger } = deps;
  return async (job) => {
    const { step } = job.data;
    const pause = await deps.service.get(job.data.pause_id);
    const to = pause?.plan?.escalate[step]?.route?.email;
    if (pause?.status !== 'pending' || to === undefined) return;
    const key: StepKey = `email_escalate_${step}`;
    if (isDone(pause.delivery[key])) return;
    const already = whyNot(pause, to);
    if (already) {
      await skip(deps, pause, key, already, to);
      return;
    }
    await sendStep(deps, job, pause, { key, to, kind: 'escalation' });
    logger.info({ pause_id: pause.pause_id, step }, 'request e-mailed to the escalation route');
  };
}

/**
 * `email.delegate`: the request goes to the delegate of an away approver of it, with the
 * delegate's own decision link (that link votes in the approver's place, and records it). Checked
 * again when it runs: nothing once the pause has ended, and a skip when the delegation has ended
 * or no longer covers this request, or the delegate voted already. Recorded per delegate.
 */
export function delegateJob(deps: EmailDeps): JobHandler<typeof JobKind.emailDelegate> {
  const { logger } = deps;
  return async (job) => {
    const pause = await deps.service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    const to = job.data.delegate;
    const key = delegateDeliveryKey(to);
    if (isDone(pause.delivery[key])) return;
    const theirs = (await deps.service.delegations()).filter((d) => sameHuman(d.delegate, to));
    const stand = standIn(pause, [to], theirs, deps.service.now());
    if (stand === undefined || !('for' in stand)) {
      await skip(deps, pause, key, 'the delegation ended, or does not cover this request', to);
      return;
    }
    const already = whyNot(pause, to);
    if (already) {
      await skip(deps, pause, key, already, to);
      return;
    }
    await sendStep(deps, job, pause, { key, to, kind: 'delegation' });
    logger.info({ pause_id: pause.pause_id, on_behalf_of: stand.for }, 'request e-mailed to a delegate');
  };
}

/**
 * The request e-mail is being sent or retried: it goes out at once when e-mail is the only surface,
 * and has been handed over (queued) once its state is `scheduled` or `retrying`. Undefined beside
 * Slack: the fallback has not fired, nothing is on its way; `failed`: nothing will be.
 */
function requestOnItsWay(deps: EmailDeps, pause: Pause): boolean {
  const state = pause.delivery.email?.state;
  if (state === 'scheduled' || state === 'retrying') return true;
  const emailFirst = pause.request.recipient_slack === undefined || deps.config.slack === undefined;
  return state === undefined && emailFirst;
}

function isDone(delivery: EmailStepDelivery | undefined): boolean {
  return delivery?.state === 'sent' || delivery?.state === 'skipped';
}

/** A recipient with nothing left to decide: they voted (any spelling of their e-mail), or they own the key. */
function whyNot(pause: Pause, to: string): string | undefined {
  const done = recipientDone(pause, to);
  if (done === 'voted') return 'the recipient already voted';
  if (done === 'owner') return 'the recipient owns the API key and may not decide';
  return undefined;
}

async function skip(deps: EmailDeps, pause: Pause, key: StepKey, reason: string, to: string | undefined) {
  await deps.service.deliveries.record(pause.pause_id, key, {
    state: 'skipped',
    attempts: pause.delivery[key]?.attempts ?? 0,
    reason,
    ...(to === undefined ? {} : { to }),
    at: new Date().toISOString(),
  });
  deps.logger.info({ pause_id: pause.pause_id, delivery: key, reason }, 'e-mail step skipped');
}

/**
 * Sends the request template with a fresh decision token for `to` and records the step. A failure
 * is recorded (`retrying`, then `failed`) and thrown, so the runner retries with backoff.
 */
async function sendStep(
  deps: EmailDeps,
  job: Pick<Job, 'attempts'>,
  pause: Pause,
  step: { key: StepKey; to: string; kind: RequestEmailKind; inReplyTo?: string },
): Promise<void> {
  const { config, service, store, transport, logger } = deps;
  const attempts = (pause.delivery[step.key]?.attempts ?? 0) + 1;
  const token = await issueDecisionToken(store, pause, step.to);
  const domain = messageIdDomain(config.email.from);
  const rendered = renderRequestEmail({
    pause,
    decideUrl: `${config.publicUrl}${DECISION_LINK_PATH}/${token}`,
    nowMs: Date.now(),
    away: await awayLines(service, pause),
    kind: step.kind,
  });
  try {
    const sent = await transport.send({
      to: step.to,
      ...rendered,
      messageId: `<${randomUUID()}@${domain}>`,
      threadId: `<${pause.pause_id}@${domain}>`,
      ...(step.inReplyTo === undefined ? {} : { inReplyTo: step.inReplyTo }),
    });
    await service.deliveries.record(pause.pause_id, step.key, {
      state: 'sent',
      to: step.to,
      attempts,
      message_id: sent.messageId,
      at: new Date().toISOString(),
    });
  } catch (error) {
    const final = job.attempts >= DEFAULT_MAX_ATTEMPTS;
    await service.deliveries.record(pause.pause_id, step.key, {
      state: final ? 'failed' : 'retrying',
      to: step.to,
      attempts,
      error: errorSummary(error).slice(0, 300),
      at: new Date().toISOString(),
    });
    logger.warn(
      { pause_id: pause.pause_id, delivery: step.key, attempts, final, err: errorSummary(error) },
      final ? 'e-mail step failed for good' : 'e-mail step failed, will retry',
    );
    throw error;
  }
}
