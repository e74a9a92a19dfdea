import { z } from 'zod';
import { parseInput } from '../domain/validation.js';
import { eventNameOf, type HookAdapter, type HookRequest, type HookVerdict, knownEvent, verdictOf } from './verdict.js';

/**
 * Claude Code's hooks (https://code.claude.com/docs/en/hooks): `PreToolUse` before every tool call
 * and `PermissionRequest` when Claude Code is about to ask its user. Both send `session_id`,
 * `transcript_path`, `cwd`, `permission_mode`, `hook_event_name`, `tool_name` and `tool_input`;
 * PreToolUse also `tool_use_id`. Fields Claude Code adds later pass through unread.
 */

export const CLAUDE_CODE_EVENTS = ['PreToolUse', 'PermissionRequest'] as const;
export type ClaudeCodeEvent = (typeof CLAUDE_CODE_EVENTS)[number];

const text = (what: string) => z.string({ error: `must be a string (${what})` }).min(1, `must not be empty (${what})`);

const common = {
  session_id: text('the Claude Code session'),
  transcript_path: z.string({ error: 'must be a string' }).optional(),
  cwd: text('the working directory').optional(),
  permission_mode: z.string({ error: 'must be a string' }).optional(),
  tool_name: text('the tool Claude Code is about to run'),
  tool_input: z.record(z.string(), z.unknown(), { error: 'must be an object (the tool input)' }),
};

export const preToolUseInputSchema = z.looseObject({
  ...common,
  hook_event_name: z.literal('PreToolUse'),
  tool_use_id: text('the id of this tool call').optional(),
});

export const permissionRequestInputSchema = z.looseObject({
  ...common,
  hook_event_name: z.literal('PermissionRequest'),
});

/** The tool call a PreToolUse or PermissionRequest input asks about. */
export function toToolCall(body: unknown): HookRequest<ClaudeCodeEvent> {
  const event = knownEvent(body, CLAUDE_CODE_EVENTS, 'Claude Code');
  const input =
    event === 'PreToolUse' ? parseInput(preToolUseInputSchema, body) : parseInput(permissionRequestInputSchema, body);
  const toolUseId = input.hook_event_name === 'PreToolUse' ? input.tool_use_id : undefined;
  return {
    event,
    call: {
      tool: input.tool_name,
      input: input.tool_input,
      session_id: input.session_id,
      ...(toolUseId === undefined ? {} : { tool_use_id: toolUseId }),
      ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
    },
  };
}

/**
 * Claude Code's output for a verdict. PreToolUse says allow, deny or ask. PermissionRequest can
 * only allow or deny: for "ask" it answers nothing (`{}`), and Claude Code shows its own prompt.
 * When the event is unknown (the input could not be read) the deny takes PreToolUse's shape.
 */
export function answerFor(event: ClaudeCodeEvent | undefined, verdict: HookVerdict): Record<string, unknown> {
  const { decision, reason } = verdictOf(verdict);
  if (event !== 'PermissionRequest') {
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: decision,
        permissionDecisionReason: reason,
      },
    };
  }
  if (decision === 'ask') return {};
  return {
    hookSpecificOutput: {
      hookEventName: 'PermissionRequest',
      decision: decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: reason },
    },
  };
}

/** Every output {@link answerFor} writes, and nothing else. */
export const claudeCodeOutputSchema = z.union([
  z.strictObject({
    hookSpecificOutput: z.strictObject({
      hookEventName: z.literal('PreToolUse'),
      permissionDecision: z.enum(['allow', 'deny', 'ask']),
      permissionDecisionReason: z.string(),
    }),
  }),
  z.strictObject({
    hookSpecificOutput: z.strictObject({
      hookEventName: z.literal('PermissionRequest'),
      decision: z.union([
        z.strictObject({ behavior: z.literal('allow') }),
        z.strictObject({ behavior: z.literal('deny'), message: z.string() }),
      ]),
    }),
  }),
  z.strictObject({}),
]);

const FIELDS: Record<string, string> = { tool: 'tool_name', input: 'tool_input' };

export const claudeCodeHook: HookAdapter<ClaudeCodeEvent> = {
  agent: 'claude-code',
  events: CLAUDE_CODE_EVENTS,
  read: toToolCall,
  eventOf: (body) => CLAUDE_CODE_EVENTS.find((e) => e === eventNameOf(body)),
  answer: answerFor,
  fieldOf: (field) => FIELDS[field] ?? field,
  output: claudeCodeOutputSchema,
  answers: (event, output) => {
    const named = (output.hookSpecificOutput as { hookEventName?: unknown } | undefined)?.hookEventName;
    // `{}` is "Claude Code shows its own prompt": an answer to a PermissionRequest only.
    return named === undefined ? event === 'PermissionRequest' : named === event;
  },
  failureExitCode: 2,
};
