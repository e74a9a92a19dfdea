import type { Pause } from '../../domain/pause.js';
import { type TextPart, type ToolCallView, toolCallView } from '../../domain/tool-call-view.js';
import { cut, escapeAndCut, escapeText, LIMITS, mrkdwn, plain, slackDate } from './escape.js';
import type { KnownBlock } from './types.js';

/**
 * A tool call in a Slack message: the title, the command or the diff or the MCP arguments in a
 * code block, who asks and where, and a line linking to the full input when Slack's limits cut it.
 */

/** Characters of the agent's text per code block, before escaping (the section holds 3000 in all). */
const CODE_BUDGET = 2800;
const FENCE = '```';
const ZERO_WIDTH_SPACE = '\u200b';

/** Where the full input can be read: the request's page on the dashboard. */
export function pausePageUrl(publicUrl: string, pauseId: string): string {
  return `${publicUrl}/dashboard/pauses/${encodeURIComponent(pauseId)}`;
}

/**
 * Agent text inside a mrkdwn code block: `&`, `<`, `>` as entities (no mention, no link), and a
 * zero-width space after every backtick that another follows, so no run of backticks in the text
 * can close the block early. Cut to `max` characters of the escaped form.
 */
export function codeBlockText(part: TextPart, max: number = LIMITS.text - 2 * FENCE.length - 2): TextPart {
  const safe = escapeText(part.text).replace(/`(?=`)/g, `\`${ZERO_WIDTH_SPACE}`);
  const text = cut(safe, max);
  return { text, cut: part.cut || text !== safe };
}

function codeSection(part: TextPart): { block: KnownBlock; cut: boolean } {
  const code = codeBlockText(part);
  // Newlines around the text keep its first and last characters off the fences.
  return { block: { type: 'section', text: mrkdwn(`${FENCE}\n${code.text || ' '}\n${FENCE}`) }, cut: code.cut };
}

function factsLine(view: ToolCallView, pause: Pause): string {
  const { facts } = view;
  const parts = [
    `Agent *${escapeAndCut(facts.agent, 200)}*`,
    facts.session === undefined ? '' : `session \`${escapeAndCut(noTicks(facts.session), 200)}\``,
    facts.cwd === undefined ? '' : `in \`${escapeAndCut(noTicks(facts.cwd), 400)}\``,
    `via ${escapeText(facts.source)}`,
    `expires ${slackDate(pause.expires_at)}`,
    pause.policy_rule === undefined ? '' : `policy rule *${escapeAndCut(pause.policy_rule, 100)}*`,
  ];
  return parts.filter((p) => p !== '').join(' · ');
}

/**
 * Inline code cannot hold a backtick (one in a session id or a path is shown as ˋ, U+02CB) nor a
 * line break (text after it would read as mrkdwn): breaks become spaces.
 */
function noTicks(text: string): string {
  return text.replace(/`/g, 'ˋ').replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * The blocks that stand for the description and details of a tool-call pause. `pageUrl`: where
 * the full input is, linked when something was cut.
 */
export function toolCallBlocks(pause: Pause, pageUrl?: string): KnownBlock[] {
  const call = pause.tool_call;
  if (!call) return [];
  const view = toolCallView(call, pause.agent_id, { text: CODE_BUDGET, short: 500 });
  const blocks: KnownBlock[] = [{ type: 'section', text: plain(pause.request.action_description || view.title) }];
  let wasCut = view.cut;
  const code = (part: TextPart | undefined) => {
    if (!part) return;
    const section = codeSection(part);
    wasCut ||= section.cut;
    blocks.push(section.block);
  };
  if (view.kind === 'mcp' && view.mcp) {
    blocks.push({
      type: 'section',
      fields: [plain(`MCP server:\n${view.mcp.server}`, 1000), plain(`Tool:\n${view.mcp.tool}`, 1000)],
    });
    blocks.push({ type: 'context', elements: [mrkdwn('Arguments:')] });
    code(view.json);
  } else if (view.file) {
    blocks.push({ type: 'section', text: plain(`${view.kind === 'write' ? 'Write' : 'Edit'} ${view.file.text}`) });
    code(view.diff);
  } else if (view.command) {
    code(view.command);
  } else {
    blocks.push({ type: 'context', elements: [plain(`${view.tool} input:`, 1000)] });
    code(view.json);
  }
  if (view.rest) {
    blocks.push({ type: 'context', elements: [mrkdwn('Also in the input:')] });
    code(view.rest);
  }
  blocks.push({ type: 'context', elements: [mrkdwn(factsLine(view, pause))] });
  if (wasCut) {
    const where = pageUrl ? `<${pageUrl}|the decision page>` : 'the decision page';
    blocks.push({ type: 'context', elements: [mrkdwn(`:scissors: Cut for Slack: the full input is on ${where}.`)] });
  }
  return blocks;
}
