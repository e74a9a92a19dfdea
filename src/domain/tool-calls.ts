import { z } from 'zod';
import { sha256Hex } from './hash.js';
import type { SignedDecision } from './signing.js';

/**
 * Tool calls: what a coding agent is about to run (Claude Code's Bash, Edit, an MCP tool), judged
 * before it runs. The hooks (src/hooks/) translate each agent's hook input into a ToolCall and the
 * answer back into that agent's output; the engine (use-cases/judge-tool-call.ts) decides.
 */

/** The largest tool input stored with a pause, as canonical JSON: a bigger one is denied, saying why. */
export const MAX_TOOL_INPUT_BYTES = 64 * 1024;
/** Tool names: Claude Code's (`Bash`, `mcp__github__create_issue`) and Cursor's fit well within this. */
export const MAX_TOOL_NAME_CHARS = 200;
const MAX_ID_CHARS = 200;
const MAX_CWD_CHARS = 4096;
/** How deep a tool input may nest; deeper inputs are refused before anything walks them. */
export const MAX_TOOL_INPUT_DEPTH = 32;

/** Where the call came from: which adapter translated it (shown to the approver). */
export const TOOL_CALL_SOURCES = ['api', 'claude-code', 'cursor', 'gateway'] as const;
export type ToolCallSource = (typeof TOOL_CALL_SOURCES)[number];

/** `POST /v1/tool-calls`'s body, and what every hook adapter produces. */
export interface ToolCall {
  tool: string;
  input: Record<string, unknown>;
  session_id?: string;
  tool_use_id?: string;
  cwd?: string;
}

/** A tool call as it is kept on its pause, with the adapter that sent it. */
export interface ToolCallRecord extends ToolCall {
  source: ToolCallSource;
}

/**
 * The engine's answer. `allow`/`deny` are final; `ask` means "let the agent ask its own user"
 * (no rule wants a human here); `pending` means a human was asked and has not decided yet.
 */
export type ToolCallDecision = 'allow' | 'deny' | 'ask' | 'pending';

export interface ToolCallAnswer {
  decision: ToolCallDecision;
  /** The pause that holds the question, when one was made (rules that route or decide). */
  pause_id?: string;
  /** Why, in words for the agent and its user (the rule, the human's comment, the refusal). */
  reason?: string;
  /** The signed decision (HMAC and Ed25519 receipt) when a human or a rule decided. */
  response?: SignedDecision;
  /** The rule that matched, when a policy is in force. */
  policy_rule?: string;
}

const textOf = (max: number, what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const toolCallSchema = z.strictObject({
  tool: textOf(MAX_TOOL_NAME_CHARS, 'the tool name'),
  input: z.record(z.string(), z.unknown(), { error: 'must be an object (the tool input)' }),
  session_id: textOf(MAX_ID_CHARS, 'the agent session').optional(),
  tool_use_id: textOf(MAX_ID_CHARS, 'the id of this tool call').optional(),
  cwd: textOf(MAX_CWD_CHARS, 'the working directory').optional(),
});

/**
 * `POST /v1/tool-calls` also takes `gateway` from a gateway that fronts an MCP server (the local
 * one in @looppause/mcp): the call is then judged as the server-side gateway judges it (a tool its
 * upstream marks read-only passes without a rule; any other needs gateway_default_route).
 */
export const toolCallRequestSchema = toolCallSchema.extend({
  gateway: z
    .strictObject(
      { read_only: z.boolean({ error: 'must be true or false (the tool annotation readOnlyHint)' }) },
      { error: 'must be an object: {"read_only": true|false}' },
    )
    .optional(),
});

/**
 * The canonical JSON of a value: object keys sorted at every depth, no whitespace. Two inputs that
 * differ only in key order are the same call; any other difference is another call. Throws
 * ToolInputError for an input nested deeper than MAX_TOOL_INPUT_DEPTH or holding `__proto__`.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

/** A tool input that cannot be judged as it is: nested too deep, or holding a `__proto__` key. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

function sortKeys(value: unknown, depth: number): unknown {
  if (depth > MAX_TOOL_INPUT_DEPTH) throw new ToolInputError(`nested deeper than ${MAX_TOOL_INPUT_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    // Assigning it would set the prototype, not add a key: two different inputs would share a digest.
    if (key === '__proto__') throw new ToolInputError('holds a "__proto__" key, which LoopPause does not accept');
    const entry = (value as Record<string, unknown>)[key];
    if (entry !== undefined) sorted[key] = sortKeys(entry, depth + 1);
  }
  return sorted;
}

/**
 * The decision's `action_digest` for a tool call: sha256 hex of the canonical `{input, tool}`.
 * An approval for one command, file edit or MCP call never covers another.
 */
export function toolCallDigest(call: Pick<ToolCall, 'tool' | 'input'>): string {
  return sha256Hex(canonicalJson({ tool: call.tool, input: call.input }));
}
