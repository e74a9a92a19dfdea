/**
 * Untrusted text (everything an agent wrote) is shown through these helpers only.
 *
 * Two layers: agent text goes into `plain_text` objects (no mrkdwn: `*bold*`, `_x_`, `~x~`, code
 * and quotes show as typed), and `&`, `<`, `>` are turned into the entities Slack decodes for
 * display, so `<!channel>`, `<!here>`, `<@U…>`, `<#C…>` and `<https://evil|ok>` are shown as text
 * and can never become a mention or a disguised link.
 */

const ELLIPSIS = '…';

/** Slack's limits (Block Kit reference). */
export const LIMITS = {
  text: 3000,
  header: 150,
  buttonText: 75,
  fieldsPerSection: 10,
  fieldText: 2000,
  blocks: 50,
  modalBlocks: 100,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  privateMetadata: 3000,
  messageText: 40_000,
} as const;

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes then cuts to `max` characters of the escaped form, ending with "…" when cut. Never
 * cuts inside an entity (`&am` would show as garbage) or between the halves of a surrogate pair.
 */
export function escapeAndCut(text: string, max: number): string {
  const escaped = escapeText(text);
  if (escaped.length <= max) return escaped;
  return cutEscaped(escaped, max);
}

/** Cuts already-safe text (ours, or escaped) to `max` with the marker. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return cutEscaped(text, max);
}

function cutEscaped(text: string, max: number): string {
  let end = Math.max(0, max - ELLIPSIS.length);
  const amp = text.lastIndexOf('&', end - 1);
  if (amp !== -1 && amp > end - 5) {
    const semi = text.indexOf(';', amp);
    if (semi === -1 || semi >= end) end = amp;
  }
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/** A plain_text object for untrusted text, escaped and cut. */
export function plain(text: string, max: number = LIMITS.text): { type: 'plain_text'; text: string; emoji: boolean } {
  return { type: 'plain_text', text: escapeAndCut(text, max) || ' ', emoji: false };
}

/** A mrkdwn object for text we wrote ourselves (never pass agent text here unescaped). */
export function mrkdwn(text: string, max: number = LIMITS.text): { type: 'mrkdwn'; text: string; verbatim: boolean } {
  return { type: 'mrkdwn', text: cut(text, max), verbatim: true };
}

/** A Slack date token: the reader's own time zone, with the ISO time as the fallback. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeText(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${escapeText(iso)}>`;
}

/** A Slack user id becomes a mention; anything else (an e-mail) is shown escaped. */
export function who(responder: string): string {
  return /^[UW][A-Z0-9]{6,20}$/.test(responder) ? `<@${responder}>` : escapeText(responder);
}
