import { LoopPauseError } from '../../domain/errors.js';
import { maySeeInSlack } from '../audience.js';
import { alreadyFinalText, decisionModal, NOT_APPROVER_TEXT } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { slackErrorSummary } from '../errors.js';
import { replyPrivately } from './reply.js';

export type ClickMode = 'approve' | 'reject' | 'approve_with_comment';

export interface Click {
  pauseId: string;
  userId: string;
  channel: string | undefined;
  triggerId: string | undefined;
}

const GONE_TEXT = 'This request no longer exists (finished requests are kept for 7 days).';

/**
 * After the ack: a click on Approve / Reject / Approve with comment. Finished pause → "already …";
 * not an approver → refused; a modal when a comment or answers are wanted; else decide at once.
 */
export async function handleClick(deps: SlackDeps, click: Click, mode: ClickMode): Promise<void> {
  const { service, client, logger, identity } = deps;
  const target = { user: click.userId, channel: click.channel };
  const pause = await service.get(click.pauseId);
  if (!pause) return replyPrivately(client, logger, target, GONE_TEXT);
  if (pause.status !== 'pending') return replyPrivately(client, logger, target, alreadyFinalText(pause));

  const approvers = pause.request.approvers ?? [];
  // Only look the e-mail up before the modal when approvers may name e-mails: the trigger_id lives 3 s.
  const needsEmail = approvers.some((a) => a.includes('@')) && !approvers.includes(click.userId);
  const ids = needsEmail ? (await identity.identities(click.userId)).ids : [click.userId];
  if (!maySeeInSlack(pause, ids)) return replyPrivately(client, logger, target, NOT_APPROVER_TEXT);

  const wantsModal = mode !== 'approve' || (pause.request.response_fields ?? []).length > 0;
  if (wantsModal) {
    if (!click.triggerId) return;
    try {
      await client.views.open({
        trigger_id: click.triggerId,
        view: decisionModal(pause, mode === 'reject' ? 'rejected' : 'approved', click.channel),
      });
    } catch (error) {
      logger.warn({ pause_id: pause.pause_id, err: slackErrorSummary(error) }, 'views.open failed');
      await replyPrivately(client, logger, target, 'Could not open the form (it took too long). Please click again.');
    }
    return;
  }
  await decideFromSlack(deps, { ...click, decision: 'approved', comment: '', fields: {} });
}

export interface SlackDecision {
  pauseId: string;
  userId: string;
  channel: string | undefined;
  decision: 'approved' | 'rejected';
  comment: string;
  fields: Record<string, string>;
}

/** The atomic decide, with the responder's e-mail when Slack gives it; losers are told who won. */
export async function decideFromSlack(deps: SlackDeps, input: SlackDecision): Promise<void> {
  const { service, client, logger, identity } = deps;
  const target = { user: input.userId, channel: input.channel };
  const { ids, email } = await identity.identities(input.userId);
  let result: Awaited<ReturnType<typeof service.decide>>;
  try {
    result = await service.decide(input.pauseId, {
      decision: input.decision,
      comment: input.comment,
      fields: input.fields,
      responder: email ?? input.userId,
      channel: 'slack',
      identities: ids,
    });
  } catch (error) {
    if (error instanceof LoopPauseError && error.code === 'not_found') {
      return replyPrivately(client, logger, target, GONE_TEXT);
    }
    throw error;
  }
  switch (result.outcome) {
    case 'decided':
      // The message itself is updated by the one pause.ended task (channel sync).
      logger.info({ pause_id: input.pauseId, decision: input.decision, channel: 'slack' }, 'decided in Slack');
      return;
    case 'already_final':
      return replyPrivately(client, logger, target, alreadyFinalText(result.pause));
    case 'not_approver':
      return replyPrivately(client, logger, target, NOT_APPROVER_TEXT);
    case 'missing_fields':
      return replyPrivately(
        client,
        logger,
        target,
        'This request needs answers before it can be approved: use Approve… to fill them in.',
      );
  }
}
