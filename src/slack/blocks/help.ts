import { mrkdwn } from './escape.js';
import type { SlackMessage } from './types.js';

export function helpMessage(): SlackMessage {
  const text = [
    '*LoopPause* asks you before an AI agent does something irreversible.',
    '• `/looppause` or `/looppause pending`: the pending requests, newest first (only you see the list).',
    '• `/looppause away @someone until 2026-12-24`: while you are away they receive your requests and decide for you; `/looppause back` ends it.',
    '• `/looppause help`: this help.',
    '• *Approve* decides at once; *Reject…* and *Approve with comment…* open a form for a comment.',
    '  When a request asks for answers (e.g. a PO number), Approve opens that form too.',
    '• Only the listed approvers may decide a request that names approvers.',
    '• The first decision wins, here or by e-mail; the message then shows who decided and when.',
  ].join('\n');
  return { text: 'LoopPause help', blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
