import type { Pause } from '../../domain/pause.js';
import {
  agentHeader,
  askerContext,
  decisionButtons,
  descriptionBlock,
  detailBlocks,
  notificationText,
} from './common.js';
import { LIMITS, plain } from './escape.js';
import { escalationBlock, progressBlock } from './progress.js';
import type { KnownBlock, SlackMessage } from './types.js';

/**
 * The request as posted: header, the action, details as fields, who asks, expiry, the approvals so
 * far (quorum), the escalations due by `nowMs`, the buttons. Live while the pause is pending.
 */
export function requestMessage(pause: Pause, nowMs: number = Date.parse(pause.created_at)): SlackMessage {
  const fieldsNote = responseFieldsNote(pause);
  const status = [progressBlock(pause), escalationBlock(pause, nowMs)].filter((b): b is KnownBlock => b !== undefined);
  const fixed = 4 + (fieldsNote ? 1 : 0) + status.length; // header, description, asker, actions (+ notes)
  const blocks: KnownBlock[] = [
    agentHeader('Approval needed: ', pause),
    descriptionBlock(pause),
    ...detailBlocks(pause.request.action_details, LIMITS.blocks - fixed),
    ...(fieldsNote ? [fieldsNote] : []),
    askerContext(pause),
    ...status,
    decisionButtons(pause, `decide:${pause.pause_id}`),
  ];
  return { text: notificationText('Approval needed', pause), blocks: blocks.slice(0, LIMITS.blocks) };
}

function responseFieldsNote(pause: Pause): KnownBlock | undefined {
  const fields = pause.request.response_fields ?? [];
  if (fields.length === 0) return undefined;
  // plain_text: the labels are the agent's words, so no *bold* or :emoji: of its making.
  const list = fields.map((f) => `${f.label}${f.required ? ' (required)' : ''}`).join(', ');
  return { type: 'context', elements: [plain(`Approving asks for: ${list}`, LIMITS.text)] };
}
