import { describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { ToolCallAnswer } from '../../src/domain/tool-calls.js';
import { answerFor, claudeCodeHook, toToolCall } from '../../src/hooks/claude-code.js';
import { catchError, claudePermissionRequestOutput, claudePreToolUseOutput, fixture } from './documented.js';

const ANSWERS: Record<string, ToolCallAnswer> = {
  allow: { decision: 'allow', reason: 'Read-only', pause_id: 'pse_1' },
  deny: { decision: 'deny', reason: 'Force-pushing main is not allowed', pause_id: 'pse_2' },
  ask: { decision: 'ask' },
  pending: { decision: 'pending', pause_id: 'pse_3' },
};

describe('Claude Code: the documented inputs as tool calls', () => {
  it('PreToolUse: tool, input, session, tool_use_id and cwd', () => {
    expect(toToolCall(fixture('claude-code-pre-tool-use'))).toEqual({
      event: 'PreToolUse',
      call: {
        tool: 'Bash',
        input: { command: 'npm test', description: 'Run test suite', timeout: 120000, run_in_background: false },
        session_id: 'abc123',
        tool_use_id: 'toolu_01ABC123...',
        cwd: '/home/user/my-project',
      },
    });
  });

  it('PermissionRequest: no tool_use_id; permission_suggestions and other fields pass unread', () => {
    expect(toToolCall(fixture('claude-code-permission-request'))).toEqual({
      event: 'PermissionRequest',
      call: {
        tool: 'Bash',
        input: { command: 'rm -rf node_modules', description: 'Remove node_modules directory' },
        session_id: 'abc123',
        cwd: '/Users/...',
      },
    });
  });

  it('refuses what it cannot read, naming the field', () => {
    const base = fixture('claude-code-pre-tool-use');
    const cases: [unknown, string | undefined, RegExp][] = [
      [{ ...base, hook_event_name: 'Stop' }, 'hook_event_name', /PreToolUse, PermissionRequest.*"Stop"/],
      [{ ...base, hook_event_name: undefined }, 'hook_event_name', /got none/],
      [{ ...base, tool_input: 'rm -rf /' }, 'tool_input', /must be an object/],
      [{ ...base, tool_input: undefined }, 'tool_input', /must be an object/],
      [{ ...base, tool_name: '' }, 'tool_name', /must not be empty/],
      [{ ...base, session_id: 7 }, 'session_id', /must be a string/],
      [[base], undefined, /must be a JSON object/],
      [null, undefined, /must be a JSON object/],
    ];
    for (const [body, field, message] of cases) {
      const error = catchError(() => toToolCall(body));
      expect(error).toBeInstanceOf(LoopPauseError);
      expect((error as LoopPauseError).field).toBe(field);
      expect((error as LoopPauseError).message).toMatch(message);
    }
  });
});

describe('Claude Code: answers in the documented output', () => {
  it('PreToolUse: allow, deny and ask as permissionDecision, with the reason', () => {
    for (const decision of ['allow', 'deny', 'ask'] as const) {
      const output = claudePreToolUseOutput.parse(answerFor('PreToolUse', ANSWERS[decision] as ToolCallAnswer));
      expect(output.hookSpecificOutput.permissionDecision).toBe(decision);
      expect(output.hookSpecificOutput.permissionDecisionReason).toBeTruthy();
    }
    const denied = claudePreToolUseOutput.parse(answerFor('PreToolUse', ANSWERS.deny as ToolCallAnswer));
    expect(denied.hookSpecificOutput.permissionDecisionReason).toBe(
      'Force-pushing main is not allowed (LoopPause pause pse_2)',
    );
  });

  it('a wait that ran out is a deny naming the pause, saying a retry joins it', () => {
    const output = claudePreToolUseOutput.parse(answerFor('PreToolUse', ANSWERS.pending as ToolCallAnswer));
    expect(output.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(output.hookSpecificOutput.permissionDecisionReason).toMatch(/pse_3.*Retry the same call.*joins this pause/);
    const request = claudePermissionRequestOutput.parse(
      answerFor('PermissionRequest', ANSWERS.pending as ToolCallAnswer),
    );
    expect(request.hookSpecificOutput?.decision).toMatchObject({
      behavior: 'deny',
      message: expect.stringMatching(/pse_3/),
    });
  });

  it('PermissionRequest: allow and deny as decision.behavior; ask is no decision, so Claude Code shows its prompt', () => {
    const allowed = claudePermissionRequestOutput.parse(
      answerFor('PermissionRequest', ANSWERS.allow as ToolCallAnswer),
    );
    expect(allowed.hookSpecificOutput?.decision).toEqual({ behavior: 'allow' });
    const denied = claudePermissionRequestOutput.parse(answerFor('PermissionRequest', ANSWERS.deny as ToolCallAnswer));
    expect(denied.hookSpecificOutput?.decision).toEqual({
      behavior: 'deny',
      message: 'Force-pushing main is not allowed (LoopPause pause pse_2)',
    });
    expect(answerFor('PermissionRequest', ANSWERS.ask as ToolCallAnswer)).toEqual({});
  });

  it('a failure is a deny with the reason, in the event shape when known and PreToolUse shape when not', () => {
    const failure = { failure: 'tool_input: must be an object' };
    for (const event of ['PreToolUse', undefined] as const) {
      const output = claudePreToolUseOutput.parse(answerFor(event, failure));
      expect(output.hookSpecificOutput).toMatchObject({
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(/could not check.*tool_input: must be an object/),
      });
    }
    const request = claudePermissionRequestOutput.parse(answerFor('PermissionRequest', failure));
    expect(request.hookSpecificOutput?.decision.behavior).toBe('deny');
  });

  it('an engine decision it does not know is a deny', () => {
    const odd = { decision: 'maybe' } as unknown as ToolCallAnswer;
    expect(claudePreToolUseOutput.parse(answerFor('PreToolUse', odd)).hookSpecificOutput.permissionDecision).toBe(
      'deny',
    );
  });

  it('every output it writes passes its own output check (what the command hook accepts)', () => {
    for (const event of ['PreToolUse', 'PermissionRequest', undefined] as const) {
      for (const verdict of [...Object.values(ANSWERS), { failure: 'x' }]) {
        expect(claudeCodeHook.output.safeParse(answerFor(event, verdict)).success).toBe(true);
      }
    }
  });
});
