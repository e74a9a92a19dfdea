import { escapeHtml, escapeMultiline } from './text.js';

/** Markup that is already safe: what the `html` tag returns, and what it inserts unescaped. */
export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Safe | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Safe) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/**
 * The one way LoopPause's pages and e-mails make HTML: every interpolated value is escaped unless
 * it is itself the result of `html` (or `raw`, or `lines`); arrays are joined; null, undefined and
 * false render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Safe {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Safe(out);
}

/** Trusted markup written in this code base, never from input. */
export function raw(markup: string): Safe {
  return new Safe(markup);
}

/** Text escaped, its line breaks kept as `<br>`. */
export function lines(text: string): Safe {
  return new Safe(escapeMultiline(text));
}
