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
import { pausePageUrl, toolCallBlocks } from './tool-call.js';
import type { KnownBlock, SlackMessage } from './types.js';

/** Where the service is reached (PUBLIC_URL): links to the request's page for what Slack's limits cut. */
export interface MessageLinks {
  publicUrl?: string | undefined;
  /** "Sarah is away until … — Bob decides for them", one line per away approver (plain text, escaped here). */
  away?: readonly string[];
}

/**
 * The request as posted: header, the action, details as fields, who asks, expiry, the approvals so
 * far (quorum), the escalations due by `nowMs`, the buttons. Live while the pause is pending. A
 * tool call shows its command, diff or arguments in place of the description and details.
 */
export function requestMessage(
  pause: Pause,
  nowMs: number = Date.parse(pause.created_at),
  links: MessageLinks = {},
): SlackMessage {
  const fieldsNote = responseFieldsNote(pause);
  const away: KnownBlock[] = (links.away ?? []).slice(0, 3).map((line) => ({
    type: 'context',
    elements: [plain(line, LIMITS.text)],
  }));
  const status = [progressBlock(pause), escalationBlock(pause, nowMs), ...away].filter(
    (b): b is KnownBlock => b !== undefined,
  );
  const fixed = 4 + (fieldsNote ? 1 : 0) + status.length; // header, description, asker, actions (+ notes)
  const blocks: KnownBlock[] = [
    agentHeader('Approval needed: ', pause),
    ...requestBlocks(pause, LIMITS.blocks - fixed, links),
    ...(fieldsNote ? [fieldsNote] : []),
    ...status,
    decisionButtons(pause, `decide:${pause.pause_id}`),
  ];
  return { text: notificationText('Approval needed', pause), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** What was asked, and by whom: the tool call's blocks, or the description, the details and the asker. */
export function requestBlocks(pause: Pause, detailBudget: number, links: MessageLinks = {}): KnownBlock[] {
  if (pause.tool_call) {
    const url = links.publicUrl === undefined ? undefined : pausePageUrl(links.publicUrl, pause.pause_id);
    return toolCallBlocks(pause, url);
  }
  return [descriptionBlock(pause), ...detailBlocks(pause.request.action_details, detailBudget), askerContext(pause)];
}

function responseFieldsNote(pause: Pause): KnownBlock | undefined {
  const fields = pause.request.response_fields ?? [];
  if (fields.length === 0) return undefined;
  // plain_text: the labels are the agent's words, so no *bold* or :emoji: of its making.
  const list = fields.map((f) => `${f.label}${f.required ? ' (required)' : ''}`).join(', ');
  return { type: 'context', elements: [plain(`Approving asks for: ${list}`, LIMITS.text)] };
}
