import type { Pause } from '../../domain/pause.js';
import { rememberWindow } from '../../domain/tool-call-view.js';
import { ActionId } from '../ids.js';
import { cut, escapeAndCut, LIMITS, mrkdwn, plain, slackDate } from './escape.js';
import type { Button, KnownBlock } from './types.js';

export function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: cut(text, LIMITS.buttonText), emoji: true },
    value,
    ...(style ? { style } : {}),
  };
}

/**
 * Approve (primary), Reject (danger), Approve for this session (a tool call whose rule sets
 * `remember`) and Approve with comment; every value is the pause id only.
 */
export function decisionButtons(pause: Pause, blockId?: string): KnownBlock {
  const id = pause.pause_id;
  const fields = pause.request.response_fields ?? [];
  const remember = pause.plan?.remember_ms;
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: [
      button(ActionId.approve, fields.length > 0 ? 'Approve…' : 'Approve', id, 'primary'),
      button(ActionId.reject, 'Reject…', id, 'danger'),
      ...(remember === undefined
        ? []
        : [button(ActionId.approveForSession, `Approve for this session (${rememberWindow(remember)})`, id)]),
      ...(fields.length > 0 ? [] : [button(ActionId.approveWithComment, 'Approve with comment…', id)]),
    ],
  };
}

/** The description as a plain_text section: escaped, never mrkdwn, cut at 3000. */
export function descriptionBlock(pause: Pause, max: number = LIMITS.text): KnownBlock {
  return { type: 'section', text: plain(pause.request.action_description, max) };
}

/**
 * Details as fields, 10 per section, within a block budget. Keys and values are plain_text,
 * escaped and cut (a field holds 2000 characters). Returns the sections plus a note when some
 * details did not fit.
 */
export function detailBlocks(details: Record<string, string>, maxBlocks: number): KnownBlock[] {
  const entries = Object.entries(details);
  if (entries.length === 0 || maxBlocks <= 0) return [];
  const sections: KnownBlock[] = [];
  const perSection = LIMITS.fieldsPerSection;
  const fit = entries.length <= perSection * maxBlocks ? maxBlocks : maxBlocks - 1;
  const shown = entries.slice(0, perSection * Math.max(0, fit));
  for (let i = 0; i < shown.length; i += perSection) {
    sections.push({
      type: 'section',
      fields: shown.slice(i, i + perSection).map(([key, value]) => fieldText(key, value)),
    });
  }
  const hidden = entries.length - shown.length;
  if (hidden > 0) {
    sections.push({
      type: 'context',
      elements: [mrkdwn(`_…and ${hidden} more detail${hidden === 1 ? '' : 's'} not shown (Slack's limits)._`)],
    });
  }
  return sections;
}

function fieldText(key: string, value: string) {
  const k = escapeAndCut(key, 150);
  const budget = LIMITS.fieldText - k.length - 2;
  return { type: 'plain_text' as const, text: `${k}:\n${escapeAndCut(value, budget) || '—'}`, emoji: false };
}

/** Who asks and until when: agent_id is the API key's name, still escaped. */
export function askerContext(pause: Pause): KnownBlock {
  return {
    type: 'context',
    elements: [
      mrkdwn(
        `Requested by agent *${escapeAndCut(pause.agent_id, 200)}* · expires ${slackDate(pause.expires_at)}` +
          (pause.policy_rule === undefined ? '' : ` · policy rule *${escapeAndCut(pause.policy_rule, 100)}*`),
      ),
    ],
  };
}

/** One line of notification text (the push and the fallback for clients without blocks). */
export function notificationText(prefix: string, pause: Pause): string {
  const firstLine = pause.request.action_description.split('\n', 1)[0] ?? '';
  return `${prefix}: ${escapeAndCut(firstLine, 150)}`;
}

/** Header from agent text: escaped then cut at 150. */
export function agentHeader(prefix: string, pause: Pause): KnownBlock {
  const firstLine = pause.request.action_description.split('\n', 1)[0] ?? '';
  return { type: 'header', text: plain(`${prefix}${firstLine}`, LIMITS.header) };
}
