import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import type { ToolCall } from '../domain/tool-calls.js';
import { parseInput } from '../domain/validation.js';
import { eventNameOf, type HookAdapter, type HookRequest, type HookVerdict, knownEvent, verdictOf } from './verdict.js';

/**
 * Cursor's hooks (https://cursor.com/docs/hooks): `preToolUse` for every tool, and the narrower
 * `beforeShellExecution` and `beforeMCPExecution`. Every input carries `conversation_id` (the
 * session), `generation_id`, `hook_event_name` and `workspace_roots`; fields Cursor adds later pass
 * through unread. For the policy a shell command is the tool `Shell` with input `{command, cwd}`,
 * and an MCP tool is `mcp__<server>__<tool>` with its arguments, as Claude Code names MCP tools.
 */

export const CURSOR_EVENTS = ['preToolUse', 'beforeShellExecution', 'beforeMCPExecution'] as const;
export type CursorEvent = (typeof CURSOR_EVENTS)[number];

/** The server name when a beforeMCPExecution input names none. */
export const UNNAMED_MCP_SERVER = 'unknown';

const text = (what: string) => z.string({ error: `must be a string (${what})` }).min(1, `must not be empty (${what})`);

const common = {
  conversation_id: text('the Cursor conversation'),
  generation_id: z.string({ error: 'must be a string' }).optional(),
  workspace_roots: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of paths' }).optional(),
};

export const preToolUseInputSchema = z.looseObject({
  ...common,
  hook_event_name: z.literal('preToolUse'),
  tool_name: text('the tool Cursor is about to run'),
  tool_input: z.record(z.string(), z.unknown(), { error: 'must be an object (the tool input)' }),
  tool_use_id: text('the id of this tool call').optional(),
  cwd: text('the working directory').optional(),
});

export const beforeShellExecutionInputSchema = z.looseObject({
  ...common,
  hook_event_name: z.literal('beforeShellExecution'),
  command: text('the shell command'),
  cwd: text('the working directory').optional(),
});

/**
 * `tool_input` is the arguments as a string of JSON. The server is `mcp_server_name` (Cursor sends it
 * beside the documented `url` of a remote server or `command` of a local one).
 */
export const beforeMCPExecutionInputSchema = z.looseObject({
  ...common,
  hook_event_name: z.literal('beforeMCPExecution'),
  tool_name: text('the MCP tool'),
  tool_input: z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: 'must be the MCP tool arguments: a string of JSON or an object',
  }),
  mcp_server_name: text('the MCP server').optional(),
  url: z.string({ error: 'must be a string' }).optional(),
  command: z.string({ error: 'must be a string' }).optional(),
});

/** The tool call a preToolUse, beforeShellExecution or beforeMCPExecution input asks about. */
export function toToolCall(body: unknown): HookRequest<CursorEvent> {
  const event = knownEvent(body, CURSOR_EVENTS, 'Cursor');
  const call = readCall(event, body);
  return { event, call };
}

function readCall(event: CursorEvent, body: unknown): ToolCall {
  switch (event) {
    case 'preToolUse': {
      const input = parseInput(preToolUseInputSchema, body);
      return withContext({ tool: input.tool_name, input: input.tool_input }, input, input.cwd, input.tool_use_id);
    }
    case 'beforeShellExecution': {
      const input = parseInput(beforeShellExecutionInputSchema, body);
      const shell = input.cwd === undefined ? { command: input.command } : { command: input.command, cwd: input.cwd };
      return withContext({ tool: 'Shell', input: shell }, input, input.cwd, undefined);
    }
    case 'beforeMCPExecution': {
      const input = parseInput(beforeMCPExecutionInputSchema, body);
      const server = input.mcp_server_name ?? UNNAMED_MCP_SERVER;
      return withContext(
        { tool: `mcp__${server}__${input.tool_name}`, input: mcpArguments(input.tool_input) },
        input,
        undefined,
        undefined,
      );
    }
  }
}

function withContext(
  call: Pick<ToolCall, 'tool' | 'input'>,
  input: { conversation_id: string; workspace_roots?: string[] | undefined },
  cwd: string | undefined,
  toolUseId: string | undefined,
): ToolCall {
  const directory = cwd ?? input.workspace_roots?.find((root) => root !== '');
  return {
    ...call,
    session_id: input.conversation_id,
    ...(toolUseId === undefined ? {} : { tool_use_id: toolUseId }),
    ...(directory === undefined ? {} : { cwd: directory }),
  };
}

/** The MCP tool's arguments: Cursor sends them as a string of JSON (empty for a tool without any). */
function mcpArguments(value: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new LoopPauseError(
      'invalid_argument',
      'tool_input: must be the MCP tool arguments as a JSON object (a string of JSON)',
      'tool_input',
    );
  return parsed as Record<string, unknown>;
}

/**
 * Cursor's output for a verdict: `permission` with the words for the user (`user_message`) and for
 * the agent (`agent_message`). The same shape answers all three events.
 */
export function answerFor(_event: CursorEvent | undefined, verdict: HookVerdict): Record<string, unknown> {
  const { decision, reason } = verdictOf(verdict);
  return { permission: decision, user_message: reason, agent_message: reason };
}

/** Every output {@link answerFor} writes, and nothing else. */
export const cursorOutputSchema = z.strictObject({
  permission: z.enum(['allow', 'deny', 'ask']),
  user_message: z.string(),
  agent_message: z.string(),
});

const FIELDS: Record<CursorEvent, Record<string, string>> = {
  preToolUse: { tool: 'tool_name', input: 'tool_input', session_id: 'conversation_id' },
  beforeShellExecution: { tool: 'command', input: 'command', session_id: 'conversation_id' },
  beforeMCPExecution: { tool: 'tool_name', input: 'tool_input', session_id: 'conversation_id', cwd: 'workspace_roots' },
};

export const cursorHook: HookAdapter<CursorEvent> = {
  agent: 'cursor',
  events: CURSOR_EVENTS,
  read: toToolCall,
  eventOf: (body) => CURSOR_EVENTS.find((e) => e === eventNameOf(body)),
  answer: answerFor,
  fieldOf: (field, event) => FIELDS[event ?? 'preToolUse'][field] ?? field,
  output: cursorOutputSchema,
  // One output shape for every Cursor event.
  answers: () => true,
  failureExitCode: 0,
};
