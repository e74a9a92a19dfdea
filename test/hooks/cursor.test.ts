import { describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { ToolCallAnswer } from '../../src/domain/tool-calls.js';
import { answerFor, cursorHook, toToolCall } from '../../src/hooks/cursor.js';
import { catchError, cursorBeforeExecutionOutput, cursorPreToolUseOutput, fixture } from './documented.js';

const SESSION = '668320d2-2fd8-4888-b33c-2a466fec86e7';

describe('Cursor: the documented inputs as tool calls', () => {
  it('preToolUse: its own tool_name and tool_input, tool_use_id and cwd; the conversation is the session', () => {
    expect(toToolCall(fixture('cursor-pre-tool-use'))).toEqual({
      event: 'preToolUse',
      call: {
        tool: 'Shell',
        input: { command: 'npm install', working_directory: '/project' },
        session_id: SESSION,
        tool_use_id: 'abc123',
        cwd: '/project',
      },
    });
  });

  it('beforeShellExecution: the tool Shell with input {command, cwd}', () => {
    expect(toToolCall(fixture('cursor-before-shell-execution'))).toEqual({
      event: 'beforeShellExecution',
      call: {
        tool: 'Shell',
        input: { command: 'git push --force origin main', cwd: '/Users/dev/project' },
        session_id: SESSION,
        cwd: '/Users/dev/project',
      },
    });
    const { cwd: _cwd, ...withoutCwd } = fixture('cursor-before-shell-execution');
    expect(toToolCall(withoutCwd).call).toMatchObject({ input: { command: 'git push --force origin main' } });
  });

  it('beforeMCPExecution: mcp__<mcp_server_name>__<tool> with the arguments parsed from their JSON string', () => {
    expect(toToolCall(fixture('cursor-before-mcp-execution-named'))).toEqual({
      event: 'beforeMCPExecution',
      call: {
        tool: 'mcp__github__create_issue',
        input: { owner: 'acme', repo: 'api', title: 'Flaky test' },
        session_id: SESSION,
        cwd: '/Users/dev/project',
      },
    });
    // The documented input names the server only by url or command: the server is "unknown".
    expect(toToolCall(fixture('cursor-before-mcp-execution')).call.tool).toBe('mcp__unknown__create_issue');
    const base = fixture('cursor-before-mcp-execution-named');
    expect(toToolCall({ ...base, tool_input: '' }).call.input).toEqual({});
    expect(toToolCall({ ...base, tool_input: { a: 1 } }).call.input).toEqual({ a: 1 });
  });

  it('refuses what it cannot read, naming the field', () => {
    const mcp = fixture('cursor-before-mcp-execution-named');
    const shell = fixture('cursor-before-shell-execution');
    const cases: [unknown, string | undefined, RegExp][] = [
      [
        { ...shell, hook_event_name: 'afterFileEdit' },
        'hook_event_name',
        /preToolUse, beforeShellExecution, beforeMCPExecution/,
      ],
      [{ ...shell, command: undefined }, 'command', /must be a string/],
      [{ ...shell, conversation_id: '' }, 'conversation_id', /must not be empty/],
      [{ ...mcp, tool_input: '{"a":' }, 'tool_input', /JSON object/],
      [{ ...mcp, tool_input: '[1,2]' }, 'tool_input', /JSON object/],
      [{ ...mcp, tool_input: 'null' }, 'tool_input', /JSON object/],
      [{ ...mcp, tool_input: 42 }, 'tool_input', /string of JSON or an object/],
      [{ ...mcp, workspace_roots: 'x' }, 'workspace_roots', /list of paths/],
      ['beforeShellExecution', undefined, /must be a JSON object/],
    ];
    for (const [body, field, message] of cases) {
      const error = catchError(() => toToolCall(body));
      expect(error).toBeInstanceOf(LoopPauseError);
      expect((error as LoopPauseError).field).toBe(field);
      expect((error as LoopPauseError).message).toMatch(message);
    }
  });
});

describe('Cursor: answers in the documented output', () => {
  const verdicts: [ToolCallAnswer | { failure: string }, string][] = [
    [{ decision: 'allow' }, 'allow'],
    [{ decision: 'deny', reason: 'Not on main' }, 'deny'],
    [{ decision: 'ask' }, 'ask'],
    [{ decision: 'pending', pause_id: 'pse_9' }, 'deny'],
    [{ failure: 'the API key is not valid' }, 'deny'],
  ];

  it('permission with user_message and agent_message, for every event', () => {
    for (const [verdict, permission] of verdicts) {
      for (const event of ['beforeShellExecution', 'beforeMCPExecution', undefined] as const) {
        const output = cursorBeforeExecutionOutput.parse(answerFor(event, verdict));
        expect(output.permission).toBe(permission);
        expect(output.user_message).toBeTruthy();
        expect(output.agent_message).toBe(output.user_message);
      }
      expect(cursorPreToolUseOutput.parse(answerFor('preToolUse', verdict)).permission).toBe(permission);
      expect(cursorHook.output.safeParse(answerFor('preToolUse', verdict)).success).toBe(true);
    }
  });

  it('a wait that ran out names the pause and says a retry joins it', () => {
    const output = cursorBeforeExecutionOutput.parse(
      answerFor('beforeShellExecution', { decision: 'pending', pause_id: 'pse_9' }),
    );
    expect(output.agent_message).toMatch(/pse_9.*joins this pause/);
  });

  it('engine errors name the field as Cursor calls it', () => {
    expect(cursorHook.fieldOf('session_id', 'beforeShellExecution')).toBe('conversation_id');
    expect(cursorHook.fieldOf('input', 'beforeMCPExecution')).toBe('tool_input');
    expect(cursorHook.fieldOf('input', 'beforeShellExecution')).toBe('command');
  });
});
