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
import type { KnownBlock, SlackMessage } from './types.js';

/** The request as posted: header, the action, details as fields, who asks, expiry, the buttons. */
export function requestMessage(pause: Pause): SlackMessage {
  const fieldsNote = responseFieldsNote(pause);
  const fixed = 4 + (fieldsNote ? 1 : 0); // header, description, asker, actions (+ note)
  const blocks: KnownBlock[] = [
    agentHeader('Approval needed: ', pause),
    descriptionBlock(pause),
    ...detailBlocks(pause.request.action_details, LIMITS.blocks - fixed),
    ...(fieldsNote ? [fieldsNote] : []),
    askerContext(pause),
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
