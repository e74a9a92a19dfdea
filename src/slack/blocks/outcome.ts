import type { Pause } from '../../domain/pause.js';
import { agentHeader, notificationText } from './common.js';
import { escapeAndCut, LIMITS, mrkdwn, plain, slackDate, who } from './escape.js';
import { progressText } from './progress.js';
import { type MessageLinks, requestBlocks } from './request.js';
import type { KnownBlock, SlackMessage } from './types.js';

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', email: 'e-mail', web: 'the web page' };

/** "Approved by X via Slack at …" and friends, in mrkdwn we wrote (X escaped). */
function outcomeLine(pause: Pause): string {
  const { response } = pause;
  if (pause.status === 'responded' && response) {
    const verb = response.decision === 'approved' ? ':white_check_mark: *Approved*' : ':x: *Rejected*';
    const session =
      response.decision === 'approved' && response.remember_until !== undefined
        ? ` · *for this session* until ${slackDate(response.remember_until)}`
        : '';
    return `${verb} by ${who(response.responder)} via ${CHANNEL_NAMES[response.channel] ?? response.channel} · ${slackDate(response.responded_at)}${session}`;
  }
  if (pause.status === 'timed_out') {
    return `:hourglass: *Timed out* · no decision before ${slackDate(pause.expires_at)}`;
  }
  if (pause.status === 'cancelled') {
    return `:no_entry_sign: *Cancelled* by the agent · ${slackDate(pause.ended_at ?? pause.expires_at)}`;
  }
  return ':hourglass_flowing_sand: *Pending*';
}

/** The message once the pause has ended: the request, the outcome, who, when, comment; no buttons. */
export function outcomeMessage(pause: Pause, links: MessageLinks = {}): SlackMessage {
  const tail: KnownBlock[] = [{ type: 'section', text: mrkdwn(outcomeLine(pause)) }];
  // Quorum: every approval that was given, in order (the outcome line names the deciding vote).
  const progress = progressText(pause);
  if (progress !== undefined && (pause.votes ?? []).length > 0) {
    tail.push({ type: 'context', elements: [mrkdwn(progress)] });
  }
  const { response } = pause;
  if (response?.comment) tail.push({ type: 'section', text: plain(`Comment: ${response.comment}`) });
  const answered = Object.entries(response?.fields ?? {});
  if (answered.length > 0) {
    const labels = new Map((pause.request.response_fields ?? []).map((f) => [f.name, f.label]));
    tail.push({
      type: 'section',
      fields: answered.slice(0, LIMITS.fieldsPerSection).map(([name, value]) => ({
        type: 'plain_text' as const,
        text: `${escapeAndCut(labels.get(name) ?? name, 150)}:\n${escapeAndCut(value, 1800)}`,
        emoji: false,
      })),
    });
  }
  if (pause.status === 'cancelled' && pause.cancel_reason) {
    tail.push({ type: 'section', text: plain(`Reason: ${pause.cancel_reason}`) });
  }
  const fixed = 3 + tail.length; // header, description, asker
  const blocks: KnownBlock[] = [
    agentHeader(`${headerPrefix(pause)}: `, pause),
    ...requestBlocks(pause, LIMITS.blocks - fixed, links),
    ...tail,
  ];
  return { text: notificationText(headerPrefix(pause), pause), blocks: blocks.slice(0, LIMITS.blocks) };
}

function headerPrefix(pause: Pause): string {
  if (pause.status === 'responded') return pause.response?.decision === 'approved' ? 'Approved' : 'Rejected';
  if (pause.status === 'timed_out') return 'Timed out';
  if (pause.status === 'cancelled') return 'Cancelled';
  return 'Approval needed';
}

/** For a click on a finished pause: "This request was already approved by X via Y at …". */
export function alreadyFinalText(pause: Pause): string {
  const { response } = pause;
  if (pause.status === 'responded' && response) {
    const verb = response.decision === 'approved' ? 'approved' : 'rejected';
    return `This request was already ${verb} by ${who(response.responder)} via ${CHANNEL_NAMES[response.channel] ?? response.channel} at ${slackDate(response.responded_at)}. Nothing changed.`;
  }
  if (pause.status === 'timed_out') {
    return `This request already timed out at ${slackDate(pause.expires_at)}. Nothing changed.`;
  }
  return `This request was already cancelled by the agent at ${slackDate(pause.ended_at ?? pause.expires_at)}. Nothing changed.`;
}

export const NOT_APPROVER_TEXT = 'Sorry, you are not an approver for this request. Nothing changed.';
