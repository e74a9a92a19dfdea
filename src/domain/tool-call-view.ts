import type { ToolCall } from './tool-calls.js';

/** How a tool call reads to the human asked about it. Pure: every surface renders from this. */

const MAX_TITLE_CHARS = 300;

/** One line: `Run \`git push --force\` (Bash)`, `Edit src/app.ts (Edit)`, `github: create_issue (MCP)`. */
export function toolCallTitle(call: Pick<ToolCall, 'tool' | 'input'>): string {
  const input = call.input;
  const text = (key: string): string | undefined =>
    typeof input[key] === 'string' ? (input[key] as string) : undefined;
  const mcp = /^mcp__([^_]+(?:_[^_]+)*)__(.+)$/.exec(call.tool);
  let title: string;
  if (mcp) title = `${mcp[1]}: ${mcp[2]} (MCP)`;
  else if (text('command') !== undefined) title = `Run \`${oneLine(text('command') as string)}\` (${call.tool})`;
  else if (text('file_path') !== undefined) title = `${call.tool} ${text('file_path')}`;
  else title = call.tool;
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ');
}
