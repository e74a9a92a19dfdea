import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { errorSummary } from '../domain/errors.js';
import { DECISION_LINK_PATH } from '../http/secret-paths.js';
import type { JobKind } from '../jobs/job-kinds.js';
import { DEFAULT_MAX_ATTEMPTS, type JobHandler } from '../jobs/job-runner.js';
import type { DecisionTokens } from '../store/ports/decision-tokens.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { awayLines } from '../use-cases/away-lines.js';
import { renderRequestEmail } from './template.js';
import { issueDecisionToken } from './tokens.js';
import { type MailTransport, messageIdDomain } from './transport.js';

export interface EmailDeps {
  config: Config;
  service: ApprovalService;
  store: DecisionTokens;
  transport: MailTransport;
  logger: Logger;
}

/**
 * `email.send`: mails the request to `recipient_email` with a fresh decision link, then queues
 * a copy for the delegate of each away approver of it (`email.delegate`). Idempotent:
 * nothing happens once the pause has ended or the mail went out. A failed send is recorded on the
 * pause (`retrying`, then `failed`) and thrown, so the runner retries it with backoff; the job
 * lives in the store, so a restart does not drop it, and its lease keeps other replicas off it.
 */
export function sendJob(deps: EmailDeps): JobHandler<typeof JobKind.emailSend> {
  const { config, service, store, transport, logger } = deps;
  return async (job) => {
    const pause = await service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    const to = pause.request.recipient_email;
    if (!to) return;
    const previous = pause.delivery.email;
    // Its away approvers' delegates get it too, each with a link of their own (queued once each).
    const toDelegates = async () => service.deliveries.toDelegates(pause, await service.delegations(), service.now());
    // Sent already (a retry after the delegates' copies could not be queued): queue them now.
    if (previous?.state === 'sent') {
      await toDelegates();
      return;
    }
    const attempts = (previous?.attempts ?? 0) + 1;

    const token = await issueDecisionToken(store, pause, to);
    const domain = messageIdDomain(config.email.from);
    const rendered = renderRequestEmail({
      pause,
      decideUrl: `${config.publicUrl}${DECISION_LINK_PATH}/${token}`,
      nowMs: Date.now(),
      away: await awayLines(service, pause),
    });
    const messageId = `<${randomUUID()}@${domain}>`;
    try {
      const sent = await transport.send({
        to,
        ...rendered,
        messageId,
        threadId: `<${pause.pause_id}@${domain}>`,
      });
      await service.deliveries.record(pause.pause_id, 'email', {
        state: 'sent',
        attempts,
        message_id: sent.messageId,
        at: new Date().toISOString(),
      });
      logger.info(
        { pause_id: pause.pause_id, message_id: sent.messageId, attempts, ...(sent.path ? { path: sent.path } : {}) },
        sent.path ? 'e-mail written to the outbox' : 'e-mail sent',
      );
    } catch (error) {
      // The runner gives up after this run: the failure is final and shows as `failed`.
      const final = job.attempts >= DEFAULT_MAX_ATTEMPTS;
      await service.deliveries.record(pause.pause_id, 'email', {
        state: final ? 'failed' : 'retrying',
        attempts,
        error: errorSummary(error).slice(0, 300),
        at: new Date().toISOString(),
      });
      logger.warn(
        { pause_id: pause.pause_id, attempts, final, err: errorSummary(error) },
        final ? 'e-mail send failed for good' : 'e-mail send failed, will retry',
      );
      throw error;
    }
    await toDelegates();
  };
}

/**
 * `email.fallback` (both recipients; runs once, across replicas, at created + the fallback delay):
 * when nobody has decided in Slack, the e-mail goes out. It queues the one `email.send` job, so a
 * send already queued by a failed Slack post is not doubled.
 */
export function fallbackJob(deps: EmailDeps): JobHandler<typeof JobKind.emailFallback> {
  const { service, logger } = deps;
  return async (job) => {
    const pause = await service.get(job.data.pause_id);
    if (pause?.status !== 'pending' || !pause.request.recipient_email) return;
    if (pause.delivery.email?.state === 'sent') return;
    const queued = await service.deliveries.handOverToEmail(pause);
    logger.info({ pause_id: pause.pause_id, queued }, 'no decision in Slack yet: e-mail fallback');
  };
}
