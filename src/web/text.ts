/**
 * Text for the HTML LoopPause writes (the dashboard, the e-mail decision page, the request e-mail):
 * escaping, control characters, one-line cuts, times for humans. The `html` tag (./html.ts) escapes
 * through `escapeHtml`; call these directly only for text that is not markup (subjects, plain text).
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return stripControls(value).replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Escaped, with line breaks kept as `<br>`. */
export function escapeMultiline(value: string): string {
  return escapeHtml(value).replace(/\r\n|\r|\n/g, '<br>');
}

/** Drops control characters except tab and newline (they have no business in a mail or a page). */
export function stripControls(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** One line, whitespace collapsed, cut to `max` characters with an ellipsis. */
export function oneLine(value: string, max: number): string {
  const flat = stripControls(value).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** `2025-03-01 14:05 UTC`. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `in 3 hours`, `in 25 minutes`, `2 days ago`: coarse, for humans. */
export function formatRelative(iso: string, nowMs: number): string {
  const diff = Date.parse(iso) - nowMs;
  if (Number.isNaN(diff)) return '';
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  let phrase = 'less than a minute';
  for (const [ms, name] of units) {
    if (abs >= ms) {
      const n = Math.round(abs / ms);
      phrase = `${n} ${name}${n === 1 ? '' : 's'}`;
      break;
    }
  }
  return diff >= 0 ? `in ${phrase}` : `${phrase} ago`;
}
