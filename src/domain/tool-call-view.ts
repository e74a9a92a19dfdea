import type { ToolCall, ToolCallRecord, ToolCallSource } from './tool-calls.js';

/**
 * How a tool call reads to the human asked about it. Pure: Slack, e-mail and the dashboard all
 * render from `toolCallView`, each escaping for its own medium (this module escapes nothing).
 */

const MAX_TITLE_CHARS = 300;
const ELLIPSIS = '…';

/** One line: `Run \`git push --force\` (Bash)`, `Edit src/app.ts`, `github: create_issue (MCP)`. */
export function toolCallTitle(call: Pick<ToolCall, 'tool' | 'input'>): string {
  const command = commandOf(call);
  const file = stringAt(call.input, 'file_path');
  const mcp = mcpName(call.tool);
  let title: string;
  if (mcp) title = `${mcp.server}: ${mcp.tool} (MCP)`;
  else if (command !== undefined) title = `Run \`${oneLine(command)}\` (${call.tool})`;
  else if (file !== undefined) title = `${call.tool} ${oneLine(file)}`;
  else title = call.tool;
  return cutText(title, MAX_TITLE_CHARS).text;
}

/** A piece of text, cut to its budget; `cut` says whether anything was left out. */
export interface TextPart {
  text: string;
  cut: boolean;
}

/**
 * What every surface shows for a tool call. `kind` says which of the parts are there:
 * `command` (Bash, Cursor's Shell: the command), `edit` and `write` (the file and a diff),
 * `mcp` (the server, the tool and the arguments as JSON), `input` (any other tool: its input as JSON).
 */
export interface ToolCallView {
  kind: 'command' | 'edit' | 'write' | 'mcp' | 'input';
  title: string;
  tool: string;
  command?: TextPart;
  file?: TextPart;
  /** Unified-style lines: `-` removed, `+` added, ` ` kept for context, `@@` between edits. */
  diff?: TextPart;
  mcp?: { server: string; tool: string };
  /** The MCP arguments, or the whole input of a tool not known here, as pretty JSON. */
  json?: TextPart;
  /**
   * Beside a command, an edit or a write: every other key of the input, as pretty JSON. The
   * decision binds to the whole input, so the human sees all of it (a sandbox switch, a timeout).
   */
  rest?: TextPart;
  /** Who asks and where: the pause's agent, the agent's session and working directory, the adapter. */
  facts: { agent: string; session?: string; cwd?: string; source: ToolCallSource };
  /** Some part was cut to its budget: the full input is on the decision page. */
  cut: boolean;
}

export interface ViewBudget {
  /** The most characters of each long part (command, diff, JSON); unlimited when absent. */
  text?: number;
  /** The most characters of each short part (file path, session, directory); 500 when absent. */
  short?: number;
}

const DEFAULT_SHORT = 500;
/** Context lines kept around a change in an Edit's diff. */
const CONTEXT_LINES = 3;

/** The view of `call`, asked for by agent `agentId`, each part cut at `budget`. Never throws. */
export function toolCallView(call: ToolCallRecord, agentId: string, budget: ViewBudget = {}): ToolCallView {
  const long = budget.text ?? Number.POSITIVE_INFINITY;
  const short = budget.short ?? DEFAULT_SHORT;
  const input = isRecord(call.input) ? call.input : {};
  const parts: TextPart[] = [];
  const take = (text: string, max: number): TextPart => {
    const part = cutText(text, max);
    parts.push(part);
    return part;
  };
  const facts: ToolCallView['facts'] = {
    agent: take(agentId, short).text,
    source: call.source,
    ...(call.session_id === undefined ? {} : { session: take(call.session_id, short).text }),
    ...(call.cwd === undefined ? {} : { cwd: take(call.cwd, short).text }),
  };
  const base = { title: toolCallTitle({ tool: call.tool, input }), tool: take(call.tool, short).text, facts };
  const view = ((): Omit<ToolCallView, 'cut'> => {
    const mcp = mcpName(call.tool);
    if (mcp) {
      return {
        ...base,
        kind: 'mcp',
        mcp: { server: take(mcp.server, short).text, tool: take(mcp.tool, short).text },
        json: take(prettyJson(input), long),
      };
    }
    const rest = (shown: readonly string[]) => {
      const others = Object.fromEntries(Object.entries(input).filter(([key]) => !shown.includes(key)));
      return Object.keys(others).length === 0 ? {} : { rest: take(prettyJson(others), long) };
    };
    const command = commandOf({ tool: call.tool, input });
    if (command !== undefined) return { ...base, kind: 'command', command: take(command, long), ...rest(['command']) };
    const file = stringAt(input, 'file_path');
    const diff = file === undefined ? undefined : diffOf(input);
    if (file !== undefined && diff !== undefined) {
      return {
        ...base,
        kind: diff.write ? 'write' : 'edit',
        file: take(file, short),
        diff: take(diff.text, long),
        ...rest(diff.write ? ['file_path', 'content'] : ['file_path', 'old_string', 'new_string', 'edits']),
      };
    }
    return { ...base, kind: 'input', json: take(prettyJson(input), long) };
  })();
  return { ...view, cut: parts.some((p) => p.cut) };
}

/** `mcp__github__create_issue` → github, create_issue. */
export function mcpName(tool: string): { server: string; tool: string } | undefined {
  const match = /^mcp__(.+?)__(.+)$/s.exec(tool);
  return match?.[1] && match[2] ? { server: match[1], tool: match[2] } : undefined;
}

/** How long "Approve for this session" lasts, as a person says it: `1 h`, `30 min`, `2 h 30 min`, `1 day`. */
export function rememberWindow(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 min';
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [
    days > 0 ? `${days} day${days === 1 ? '' : 's'}` : '',
    hours > 0 ? `${hours} h` : '',
    mins > 0 ? `${mins} min` : '',
  ].filter((p) => p !== '');
  return parts.join(' ');
}

/**
 * Cuts `text` to at most `max` characters, ending with "…" when cut, never between the halves of
 * a surrogate pair.
 */
export function cutText(text: string, max: number): TextPart {
  if (text.length <= max) return { text, cut: false };
  let end = Math.max(0, Math.floor(max) - ELLIPSIS.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: `${text.slice(0, end)}${max >= ELLIPSIS.length ? ELLIPSIS : ''}`, cut: true };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringAt(input: Record<string, unknown>, key: string): string | undefined {
  const value = Object.hasOwn(input, key) ? input[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The command of a shell-like tool: any tool whose input has a string `command` (Bash, Shell, …). */
function commandOf(call: Pick<ToolCall, 'tool' | 'input'>): string | undefined {
  return isRecord(call.input) ? stringAt(call.input, 'command') : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ');
}

/** Pretty JSON that never throws (cycles, BigInts and the like are shown as a note instead). */
function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    return '(the input cannot be shown as JSON)';
  }
}

/** Edit (`old_string` → `new_string`), MultiEdit (`edits[]`) or Write (`content`); undefined for anything else. */
function diffOf(input: Record<string, unknown>): { text: string; write: boolean } | undefined {
  const content = stringAt(input, 'content');
  const oldText = stringAt(input, 'old_string');
  const newText = stringAt(input, 'new_string');
  if (oldText !== undefined || newText !== undefined) {
    const every = input.replace_all === true ? ['@@ every occurrence @@'] : [];
    return { text: [...every, ...lineDiff(oldText ?? '', newText ?? '')].join('\n'), write: false };
  }
  const edits = Object.hasOwn(input, 'edits') ? input.edits : undefined;
  if (Array.isArray(edits)) {
    const lines: string[] = [];
    edits.forEach((edit, i) => {
      const e = isRecord(edit) ? edit : {};
      const all = e.replace_all === true ? ', every occurrence' : '';
      lines.push(`@@ edit ${i + 1} of ${edits.length}${all} @@`);
      lines.push(...lineDiff(stringAt(e, 'old_string') ?? '', stringAt(e, 'new_string') ?? ''));
    });
    return { text: lines.join('\n'), write: false };
  }
  if (content !== undefined)
    return {
      text: splitLines(content)
        .map((l) => `+${l}`)
        .join('\n'),
      write: true,
    };
  return undefined;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/\r\n|\n|\r/);
}

/**
 * A simple line diff: the lines both sides share at the start and at the end are kept (up to
 * CONTEXT_LINES of them shown as context), everything between is removed then added. Linear in
 * the size of the input, whatever it holds.
 */
export function lineDiff(oldText: string, newText: string): string[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const before = a.slice(Math.max(0, start - CONTEXT_LINES), start).map((l) => ` ${l}`);
  const after = a.slice(endA, Math.min(a.length, endA + CONTEXT_LINES)).map((l) => ` ${l}`);
  return [
    ...before,
    ...a.slice(start, endA).map((l) => `-${l}`),
    ...b.slice(start, endB).map((l) => `+${l}`),
    ...after,
  ];
}
