import { voteNoticeText } from '../../domain/approvals/index.js';
import { LoopPauseError } from '../../domain/errors.js';
import type { Pause } from '../../domain/pause.js';
import { alreadyFinalText, decisionModal, NOT_APPROVER_TEXT, refusalText } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';
import { slackErrorSummary } from '../errors.js';
import { replyPrivately } from './reply.js';

export type ClickMode = 'approve' | 'reject' | 'approve_with_comment' | 'approve_session';

export interface Click {
  pauseId: string;
  userId: string;
  channel: string | undefined;
  triggerId: string | undefined;
}

const GONE_TEXT = 'This request no longer exists (finished requests are kept for 7 days).';
const NO_SESSION_TEXT =
  'This request cannot be approved for the session (its policy rule does not allow it). Nothing changed: use Approve.';

type ReplyTarget = { user: string; channel: string | undefined };

/**
 * The pause, when `target.user` is in its Slack audience; else they are told why not (nothing
 * about the request, not even its outcome) and undefined.
 */
async function pauseToActOn(deps: SlackDeps, pauseId: string, target: ReplyTarget): Promise<Pause | undefined> {
  const { service, client, logger, audience } = deps;
  const pause = await service.get(pauseId);
  if (!pause) {
    await replyPrivately(client, logger, target, GONE_TEXT);
    return undefined;
  }
  const verdict = await audience.verdict(pause, target.user);
  if (!verdict.allowed) {
    await replyPrivately(client, logger, target, refusalText(verdict));
    return undefined;
  }
  return pause;
}

/**
 * After the ack: a click on Approve / Reject / Approve with comment. Not in the audience →
 * refused; finished pause → "already …"; a modal when a comment or answers are wanted; else
 * decide at once.
 */
export async function handleClick(deps: SlackDeps, click: Click, mode: ClickMode): Promise<void> {
  const { client, logger } = deps;
  const target = { user: click.userId, channel: click.channel };
  const pause = await pauseToActOn(deps, click.pauseId, target);
  if (!pause) return;
  if (pause.status !== 'pending') return replyPrivately(client, logger, target, alreadyFinalText(pause));
  const remember = mode === 'approve_session';
  // Only a rule that sets `remember` offers the button: a stale or forged click decides nothing.
  if (remember && pause.plan?.remember_ms === undefined) return replyPrivately(client, logger, target, NO_SESSION_TEXT);

  const quick = mode === 'approve' || remember;
  const wantsModal = !quick || (pause.request.response_fields ?? []).length > 0;
  if (wantsModal) {
    if (!click.triggerId) return;
    try {
      await client.views.open({
        trigger_id: click.triggerId,
        view: decisionModal(pause, mode === 'reject' ? 'rejected' : 'approved', click.channel, remember),
      });
    } catch (error) {
      logger.warn({ pause_id: pause.pause_id, err: slackErrorSummary(error) }, 'views.open failed');
      await replyPrivately(client, logger, target, 'Could not open the form (it took too long). Please click again.');
    }
    return;
  }
  await decideFromSlack(deps, {
    ...click,
    decision: 'approved',
    comment: '',
    fields: {},
    ...(remember ? { remember: true } : {}),
  });
}

export interface SlackDecision {
  pauseId: string;
  userId: string;
  channel: string | undefined;
  decision: 'approved' | 'rejected';
  comment: string;
  fields: Record<string, string>;
  /** "Approve for this session" (an approval only). */
  remember?: boolean;
}

/**
 * The atomic decide, with the responder's e-mail when Slack gives it; losers are told who won.
 * The audience is checked here again: a submission may come without a click, forged.
 */
export async function decideFromSlack(deps: SlackDeps, input: SlackDecision): Promise<void> {
  const { service, client, logger, identity } = deps;
  const target = { user: input.userId, channel: input.channel };
  if (!(await pauseToActOn(deps, input.pauseId, target))) return;
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
      ...(input.remember === true && input.decision === 'approved' ? { remember: true } : {}),
    });
  } catch (error) {
    if (error instanceof LoopPauseError && error.code === 'not_found') {
      return replyPrivately(client, logger, target, GONE_TEXT);
    }
    throw error;
  }
  switch (result.outcome) {
    case 'decided':
      // The message itself is updated by the one pause.ended job (channel sync).
      logger.info({ pause_id: input.pauseId, decision: input.decision, channel: 'slack' }, 'decided in Slack');
      return;
    case 'already_final':
      return replyPrivately(client, logger, target, alreadyFinalText(result.pause));
    case 'not_approver':
      return replyPrivately(client, logger, target, NOT_APPROVER_TEXT);
    case 'counted':
    case 'already_voted':
    case 'owner':
      logger.info({ pause_id: input.pauseId, outcome: result.outcome, channel: 'slack' }, 'vote in Slack');
      return replyPrivately(client, logger, target, voteNoticeText(result.outcome, result.pause));
    case 'unverifiable':
      logger.info(
        { pause_id: input.pauseId, outcome: result.outcome, reason: result.reason, channel: 'slack' },
        'vote in Slack',
      );
      return replyPrivately(client, logger, target, voteNoticeText(result.outcome, result.pause, result.reason));
    case 'missing_fields':
      return replyPrivately(
        client,
        logger,
        target,
        'This request needs answers before it can be approved: use Approve… to fill them in.',
      );
  }
}
