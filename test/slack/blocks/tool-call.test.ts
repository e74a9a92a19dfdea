import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalPlan } from '../../../src/domain/approvals/plan.js';
import type { Pause } from '../../../src/domain/pause.js';
import { toolCallTitle } from '../../../src/domain/tool-call-view.js';
import type { ToolCallRecord } from '../../../src/domain/tool-calls.js';
import { decisionModal, LIMITS, outcomeMessage, requestMessage } from '../../../src/slack/blocks/index.js';
import { parseModalMetadata } from '../../../src/slack/blocks/modal.js';
import { codeBlockText } from '../../../src/slack/blocks/tool-call.js';
import { ActionId } from '../../../src/slack/ids.js';
import { actionIds } from '../../helpers/slack.js';

const PAUSE_ID = 'pse_abcdefghijklmnopqrstuvwxyz';
const PUBLIC_URL = 'https://looppause.example.com';

function toolPause(call: Omit<ToolCallRecord, 'source'>, rest: Partial<Pause> = {}): Pause {
  const tool_call: ToolCallRecord = { source: 'claude-code', ...call };
  return {
    pause_id: PAUSE_ID,
    agent_id: 'ci-bot',
    status: 'pending',
    created_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-02T00:00:00.000Z',
    request: {
      action_description: toolCallTitle(tool_call),
      action_details: {},
      recipient_slack: '#ops',
      timeout_hours: 24,
    },
    action_digest: 'x',
    tool_call,
    delivery: {},
    ...rest,
  };
}

/** Every text of type mrkdwn in a block tree. */
function mrkdwnTexts(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') found.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return found;
}

/** The code blocks of a message: the text between each pair of ``` fences, as Slack would read them. */
function codeBlocks(blocks: unknown): string[] {
  return mrkdwnTexts(blocks)
    .filter((t) => t.startsWith('```'))
    .map((t) => t.slice(3, -3));
}

const FORGED = /<(?!!date\^)[!@#]|<https?:(?!\/\/looppause\.example\.com\/dashboard\/pauses\/)/;

describe('a tool call in Slack', () => {
  it('shows the command in a code block, who and where, and no cut line when it fits', () => {
    const pause = toolPause({
      tool: 'Bash',
      input: { command: 'git push --force origin main' },
      session_id: 's-42',
      cwd: '/repo',
    });
    const { blocks } = requestMessage(pause, Date.parse(pause.created_at), { publicUrl: PUBLIC_URL });
    expect(codeBlocks(blocks)).toEqual(['\ngit push --force origin main\n']);
    const all = JSON.stringify(blocks);
    expect(all).toContain('Agent *ci-bot*');
    expect(all).toContain('session `s-42`');
    expect(all).toContain('in `/repo`');
    expect(all).toContain('via claude-code');
    expect(all).not.toContain('Cut for Slack');
    expect(actionIds(blocks)).toEqual([ActionId.approve, ActionId.reject, ActionId.approveWithComment]);
  });

  it('an Edit shows the file and the diff; an MCP call its server, tool and arguments', () => {
    const edit = toolPause({
      tool: 'Edit',
      input: { file_path: 'src/a.ts', old_string: 'x = 1', new_string: 'x = 2' },
    });
    const editBlocks = requestMessage(edit).blocks;
    expect(JSON.stringify(editBlocks)).toContain('Edit src/a.ts');
    expect(codeBlocks(editBlocks)).toEqual(['\n-x = 1\n+x = 2\n']);
    const mcp = toolPause({ tool: 'mcp__github__create_issue', input: { title: 'Bug' } });
    const mcpBlocks = requestMessage(mcp).blocks;
    expect(JSON.stringify(mcpBlocks)).toContain('MCP server:\\ngithub');
    expect(JSON.stringify(mcpBlocks)).toContain('Tool:\\ncreate_issue');
    expect(codeBlocks(mcpBlocks)).toEqual([`\n${JSON.stringify({ title: 'Bug' }, null, 2)}\n`]);
  });

  it('cuts a long input for Slack and links the full input on the request page', () => {
    const pause = toolPause({ tool: 'Write', input: { file_path: 'big.txt', content: 'line\n'.repeat(2000) } });
    const { blocks } = requestMessage(pause, 0, { publicUrl: PUBLIC_URL });
    const [code] = codeBlocks(blocks);
    expect(code?.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(blocks)).toContain(
      `Cut for Slack: the full input is on <${PUBLIC_URL}/dashboard/pauses/${PAUSE_ID}|the decision page>`,
    );
  });

  it('offers Approve for this session, with its window, only when the rule sets remember', () => {
    const plan: ApprovalPlan = {
      quorum: 1,
      remind_after_ms: [],
      escalate: [],
      on_timeout: 'rejected',
      remember_ms: 3_600_000,
    };
    const pause = toolPause({ tool: 'Bash', input: { command: 'ls' } }, { plan });
    const { blocks } = requestMessage(pause);
    expect(actionIds(blocks)).toEqual([
      ActionId.approve,
      ActionId.reject,
      ActionId.approveForSession,
      ActionId.approveWithComment,
    ]);
    const actions = blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ text: { text: string }; value: string }>;
    };
    expect(actions.elements[2]?.text.text).toBe('Approve for this session (1 h)');
    expect(actions.elements[2]?.value).toBe(PAUSE_ID);
    // The modal (for a request that asks for answers) carries the choice through to its submission.
    const modal = decisionModal(pause, 'approved', 'C1', true);
    expect(parseModalMetadata(modal.private_metadata ?? '')).toEqual({
      pause_id: PAUSE_ID,
      decision: 'approved',
      channel: 'C1',
      remember: true,
    });
    expect(parseModalMetadata(JSON.stringify({ pause_id: PAUSE_ID, decision: 'rejected', remember: true }))).toEqual({
      pause_id: PAUSE_ID,
      decision: 'rejected',
    });
  });

  it('the outcome keeps the tool call, with no buttons, and says when it was approved for the session', () => {
    const pause = toolPause({ tool: 'Bash', input: { command: 'make deploy' } }, { status: 'responded' });
    pause.response = {
      decision: 'approved',
      comment: '',
      fields: {},
      responder: 'ada@example.com',
      responded_at: '2030-01-01T00:05:00.000Z',
      channel: 'slack',
      nonce: 'n',
      pause_id: PAUSE_ID,
      action_digest: 'x',
      remember_until: '2030-01-01T01:05:00.000Z',
      signature: 'sha256=00',
    } as Pause['response'];
    const { blocks } = outcomeMessage(pause);
    expect(actionIds(blocks)).toEqual([]);
    expect(codeBlocks(blocks)).toEqual(['\nmake deploy\n']);
    expect(JSON.stringify(blocks)).toContain('*for this session* until <!date^');
  });

  it('no command can break out of its code block, mention anyone or link anywhere (fuzz)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc
        .array(
          fc.constantFrom(
            '`',
            '```',
            '````',
            '<!channel>',
            '<@U0ADMIN>',
            '<https://evil|ok>',
            '*b*',
            '&',
            '\n',
            '<script>',
            'x',
          ),
          {
            maxLength: 400,
          },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(hostile, fc.constantFrom('Bash', 'Write', 'mcp__s__t', 'Other'), (text, tool) => {
        const input =
          tool === 'Bash' ? { command: text } : tool === 'Write' ? { file_path: text, content: text } : { a: text };
        const pause = toolPause({ tool, input, session_id: text || 's', cwd: text || '/' });
        const { blocks } = requestMessage(pause, 0, { publicUrl: PUBLIC_URL });
        expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
        for (const t of mrkdwnTexts(blocks)) {
          expect(t.length).toBeLessThanOrEqual(LIMITS.text);
          expect(t).not.toMatch(FORGED);
          if (t.startsWith('```')) {
            // One block: the fences open and close it, and nothing between them is a fence.
            expect(t.endsWith('\n```')).toBe(true);
            expect(t.slice(3, -3)).not.toMatch(/``/);
          }
        }
        for (const t of JSON.stringify(blocks).match(/<[^>]*>/g) ?? [])
          expect(t).not.toMatch(/^<(?!!date|https:\/\/looppause)/);
      }),
      { numRuns: 300 },
    );
  });

  it('codeBlockText keeps what it cannot show marked as cut', () => {
    expect(codeBlockText({ text: '```', cut: false })).toEqual({ text: '`\u200b`\u200b`', cut: false });
    expect(codeBlockText({ text: '<'.repeat(10), cut: false }, 12)).toEqual({ text: '&lt;&lt;…', cut: true });
  });
});
