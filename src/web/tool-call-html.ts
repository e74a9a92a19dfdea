import type { TextPart, ToolCallView } from '../domain/tool-call-view.js';
import { html, type Safe } from './html.js';
import { stripControls } from './text.js';

/**
 * A tool call as HTML, for the dashboard, the e-mail decision page and the request e-mail: the
 * command in a code block, the file and a diff (removed and added lines marked), the MCP server,
 * tool and arguments, or the input as JSON; and who asks and where. Every value is escaped by `html`.
 *
 * `classes` (pages, whose stylesheet styles `tool-*`) or `inline` (e-mail, where clients drop
 * stylesheets) styling; the pages' CSP allows no style attributes, so each gets only its own kind.
 */
export type Styling = 'classes' | 'inline';

const INLINE = {
  pre: 'margin:0 0 12px 0;padding:10px;background-color:#fafafa;border:1px solid #e4e4e7;border-radius:6px;font-family:Menlo,Consolas,monospace;font-size:12px;line-height:18px;color:#111111;white-space:pre-wrap;word-break:break-word;',
  del: 'display:block;background-color:#fef2f2;color:#991b1b;',
  ins: 'display:block;background-color:#f0fdf4;color:#166534;',
  hunk: 'display:block;color:#1e3a8a;',
  ctx: 'display:block;',
  label: 'margin:0 0 4px 0;font-size:13px;color:#555555;',
} as const;

type Piece = keyof typeof INLINE;

function attrs(styling: Styling, piece: Piece): Safe {
  return styling === 'inline' ? html` style="${INLINE[piece]}"` : html` class="tool-${piece}"`;
}

/** A diff line's kind from its first character. */
function lineKind(line: string): Piece {
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('+')) return 'ins';
  return 'ctx';
}

function code(part: TextPart, styling: Styling): Safe {
  return html`<pre${attrs(styling, 'pre')}><code>${part.text}</code></pre>`;
}

function diff(part: TextPart, styling: Styling): Safe {
  const rows = part.text.split('\n').map((line) => html`<span${attrs(styling, lineKind(line))}>${line || ' '}</span>`);
  return html`<pre${attrs(styling, 'pre')}><code>${rows}</code></pre>`;
}

/** The call itself: command, diff, or JSON, with its heading lines, and any other input keys. */
export function toolCallBody(view: ToolCallView, styling: Styling): Safe {
  const label = (text: Safe | string) => html`<p${attrs(styling, 'label')}>${text}</p>`;
  const rest = view.rest ? html`${label('Also in the input:')}${code(view.rest, styling)}` : html``;
  return html`${mainBody(view, styling, label)}${rest}`;
}

function mainBody(view: ToolCallView, styling: Styling, label: (text: Safe | string) => Safe): Safe {
  switch (view.kind) {
    case 'command':
      return view.command ? html`${label(html`Command (${view.tool})`)}${code(view.command, styling)}` : html``;
    case 'edit':
    case 'write':
      return html`${label(html`${view.kind === 'write' ? 'Write' : 'Edit'} <code>${view.file?.text ?? ''}</code>`)}${
        view.diff ? diff(view.diff, styling) : ''
      }`;
    case 'mcp':
      return html`${label(html`MCP server <strong>${view.mcp?.server ?? ''}</strong> · tool <strong>${view.mcp?.tool ?? ''}</strong> · arguments:`)}${
        view.json ? code(view.json, styling) : ''
      }`;
    case 'input':
      return html`${label(html`Input of <strong>${view.tool}</strong>:`)}${view.json ? code(view.json, styling) : ''}`;
  }
}

/** Who asks and where, as label/value pairs (each surface lays them out in its own table). */
export function toolCallFacts(view: ToolCallView): Array<[string, string]> {
  const { facts } = view;
  return [
    ['Tool', view.tool],
    ['Agent', facts.agent],
    ...(facts.session === undefined ? [] : ([['Session', facts.session]] as Array<[string, string]>)),
    ...(facts.cwd === undefined ? [] : ([['Working directory', facts.cwd]] as Array<[string, string]>)),
    ['Source', SOURCE_WORDS[facts.source] ?? facts.source],
  ];
}

const SOURCE_WORDS: Record<string, string> = {
  api: 'the tool-call API',
  'claude-code': 'Claude Code hook',
  cursor: 'Cursor hook',
  gateway: 'MCP gateway',
};

/**
 * The tool call for a plain-text part (its facts are listed with the details): each line of the agent's text behind "> ", so it cannot
 * fake our own lines ("Approve: https://…") in a reader that shows only text.
 */
export function toolCallText(view: ToolCallView): string[] {
  const quote = (text: string) =>
    stripControls(text)
      .split(/\r\n|\n|\r/)
      .map((line) => `> ${line}`);
  const lines: string[] = [];
  switch (view.kind) {
    case 'command':
      lines.push(`Command (${view.tool}):`, ...quote(view.command?.text ?? ''));
      break;
    case 'edit':
    case 'write':
      lines.push(
        `${view.kind === 'write' ? 'Write' : 'Edit'}: ${oneLineOf(view.file?.text ?? '')}`,
        ...quote(view.diff?.text ?? ''),
      );
      break;
    case 'mcp':
      lines.push(
        `MCP server: ${oneLineOf(view.mcp?.server ?? '')} · tool: ${oneLineOf(view.mcp?.tool ?? '')}`,
        'Arguments:',
        ...quote(view.json?.text ?? ''),
      );
      break;
    case 'input':
      lines.push(`Input of ${oneLineOf(view.tool)}:`, ...quote(view.json?.text ?? ''));
      break;
  }
  if (view.rest) lines.push('Also in the input:', ...quote(view.rest.text));
  return lines;
}

function oneLineOf(text: string): string {
  return stripControls(text).replace(/\s+/g, ' ');
}
