import type { Pause } from '../../domain/pause.js';
import { ActionId } from '../ids.js';
import { askerContext, button, decisionButtons } from './common.js';
import { LIMITS, mrkdwn, plain } from './escape.js';
import { progressText } from './progress.js';
import type { HomeView, KnownBlock, SlackMessage } from './types.js';

/** Page size of /looppause and App Home: 4 blocks each keeps a page well under 50 blocks. */
export const LIST_PAGE_SIZE = 10;

function itemBlocks(pause: Pause, index: number): KnownBlock[] {
  return [
    ...(index > 0 ? [{ type: 'divider' } as KnownBlock] : []),
    { type: 'section', text: plain(pause.request.action_description, 500) },
    withProgress(askerContext(pause), pause),
    decisionButtons(pause, `decide:${pause.pause_id}`),
  ];
}

/** The approvals so far join the asker's context line: one more element, not one more block per item. */
function withProgress(context: KnownBlock, pause: Pause): KnownBlock {
  const progress = progressText(pause);
  if (progress === undefined || context.type !== 'context') return context;
  return { ...context, elements: [...context.elements, mrkdwn(progress)] };
}

function listBlocks(
  pauses: readonly Pause[],
  nextCursor: string | null,
  moreAction: string,
  note: string | undefined,
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        pauses.length === 0
          ? ':white_check_mark: No pending approval requests.'
          : `*Pending approval requests* (newest first, ${pauses.length} on this page)`,
      ),
    },
  ];
  pauses.slice(0, LIST_PAGE_SIZE).forEach((pause, i) => {
    blocks.push(...itemBlocks(pause, i));
  });
  if (nextCursor) {
    blocks.push({ type: 'actions', elements: [button(moreAction, 'Show more', nextCursor)] });
  }
  if (note) blocks.push({ type: 'context', elements: [mrkdwn(note)] });
  return blocks.slice(0, LIMITS.blocks);
}

/** The ephemeral `/looppause` answer: only the caller sees it; `note`, a line under the list. */
export function pendingListMessage(pauses: readonly Pause[], nextCursor: string | null, note?: string): SlackMessage {
  return {
    text: pauses.length === 0 ? 'No pending approval requests.' : `${pauses.length} pending approval requests`,
    blocks: listBlocks(pauses, nextCursor, ActionId.listMore, note),
  };
}

/** The App Home tab: the same list. */
export function homeView(pauses: readonly Pause[], nextCursor: string | null, note?: string): HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'LoopPause approvals' } },
      ...listBlocks(pauses, nextCursor, ActionId.homeMore, note),
      { type: 'context', elements: [mrkdwn('Type `/looppause help` in any channel for help.')] },
    ].slice(0, LIMITS.modalBlocks),
  };
}
