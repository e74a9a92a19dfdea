import type { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import type { ToolCall, ToolCallAnswer, ToolCallSource } from '../domain/tool-calls.js';

/**
 * What every hook adapter shares: the engine's answer or a failure, read as the allow, deny or
 * ask an agent understands, with the words the agent and its user see. A failure is always a
 * deny: a hook that cannot reach a decision must never let the tool run.
 */

/** The hook input's size limit, over the wire and on stdin: a 64 KiB tool input and its envelope fit well within it. */
export const MAX_HOOK_BODY_BYTES = 512 * 1024;

/** The check itself failed (bad input, bad key, service unreachable): the reason names the field or the cause. */
export interface HookFailure {
  failure: string;
}

export type HookVerdict = ToolCallAnswer | HookFailure;

/** The three answers a coding agent's hook can give. */
export type HookDecision = 'allow' | 'deny' | 'ask';

/** The tool call a hook input asks about, and the event that asked (which shapes the answer). */
export interface HookRequest<E extends string = string> {
  event: E;
  call: ToolCall;
}

/** One coding agent's hook format: its input read as a tool call, and the engine's answer written back. */
export interface HookAdapter<E extends string = string> {
  /** The path under /v1/hooks/, the `looppause hook` argument, and the tool call's source. */
  readonly agent: Extract<ToolCallSource, 'claude-code' | 'cursor'>;
  readonly events: readonly E[];
  /** Reads the hook input; a LoopPauseError names the hook's own field when it cannot. */
  read(body: unknown): HookRequest<E>;
  /** The event a body names, when it is one this adapter answers (the shape a failure's deny takes). */
  eventOf(body: unknown): E | undefined;
  /** The hook output for this verdict; `event` undefined when the input could not be read. */
  answer(event: E | undefined, verdict: HookVerdict): Record<string, unknown>;
  /** The engine's field names (`tool`, `input`, `session_id`) as this agent's input calls them. */
  fieldOf(engineField: string, event: E | undefined): string;
  /** Every output `answer` writes, as the agent documents it: what a command hook accepts from the service. */
  readonly output: z.ZodType<Record<string, unknown>>;
  /**
   * Whether a valid output is an answer to `event` (the command hook prints nothing else): a
   * PermissionRequest answer, or `{}`, would leave a PreToolUse undecided.
   */
  answers(event: E | undefined, output: Record<string, unknown>): boolean;
  /**
   * The command hook's exit code for a failure it answers itself. Claude Code blocks on 2 whatever
   * the JSON says; Cursor reads the deny on stdout.
   */
  readonly failureExitCode: 0 | 2;
}

/** The decision and its words for a verdict. Anything but an engine allow or ask is a deny. */
export function verdictOf(verdict: HookVerdict): { decision: HookDecision; reason: string } {
  if ('failure' in verdict) {
    return {
      decision: 'deny',
      reason: `LoopPause could not check this tool call, so it is denied: ${verdict.failure}`,
    };
  }
  const pause = verdict.pause_id === undefined ? '' : ` (LoopPause pause ${verdict.pause_id})`;
  switch (verdict.decision) {
    case 'allow':
      return { decision: 'allow', reason: verdict.reason ?? `Allowed by LoopPause${pause}` };
    case 'ask':
      return { decision: 'ask', reason: verdict.reason ?? 'No LoopPause rule needs a human for this: asking as usual' };
    case 'pending':
      return {
        decision: 'deny',
        reason:
          `Waiting for a human to approve this${pause}, and the wait ran out. Retry the same call to keep ` +
          'waiting: it joins this pause instead of asking again, and runs once a human approves it.',
      };
    case 'deny':
      return { decision: 'deny', reason: `${verdict.reason ?? 'Denied by LoopPause'}${pause}` };
    default:
      return { decision: 'deny', reason: 'LoopPause gave no decision it knows, so this tool call is denied' };
  }
}

/**
 * The failure's reason for the agent: its message, with the field named in the hook's own terms
 * (`tool_input` where the engine says `input`). Unknown errors are the caller's to log first.
 */
export function failureOf<E extends string>(
  error: unknown,
  adapter: HookAdapter<E>,
  event: E | undefined,
): HookFailure {
  if (!(error instanceof LoopPauseError)) return { failure: 'internal error' };
  if (error.field === undefined) return { failure: error.message };
  const field = adapter.fieldOf(error.field, event);
  const prefix = `${error.field}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return { failure: `${field}: ${message}` };
}

/** `hook_event_name` of a body, when it is an object that has a string one. */
export function eventNameOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const name = (body as { hook_event_name?: unknown }).hook_event_name;
  return typeof name === 'string' ? name : undefined;
}

/** The event a body names if it is one of `events`; else a LoopPauseError naming `hook_event_name`. */
export function knownEvent<E extends string>(body: unknown, events: readonly E[], agent: string): E {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new LoopPauseError('invalid_argument', `the ${agent} hook input must be a JSON object`);
  const name = eventNameOf(body);
  const known = events.find((e) => e === name);
  if (known !== undefined) return known;
  const got = name === undefined ? 'none' : JSON.stringify(name.slice(0, 100));
  throw new LoopPauseError(
    'invalid_argument',
    `hook_event_name: must be ${events.join(', ')} (LoopPause answers only these ${agent} events; got ${got})`,
    'hook_event_name',
  );
}
