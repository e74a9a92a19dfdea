import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The hook outputs as the agents document them, written from their docs (not from src/hooks/):
 * an answer LoopPause sends must be one of these.
 *
 * Claude Code: https://code.claude.com/docs/en/hooks — "JSON output" (universal fields),
 * "PreToolUse decision control" and "PermissionRequest decision control".
 * Cursor: https://cursor.com/docs/hooks — "preToolUse" and "beforeShellExecution / beforeMCPExecution".
 */

const universal = {
  continue: z.boolean().optional(),
  stopReason: z.string().optional(),
  suppressOutput: z.boolean().optional(),
  systemMessage: z.string().optional(),
  terminalSequence: z.string().optional(),
};

export const claudePreToolUseOutput = z.strictObject({
  ...universal,
  hookSpecificOutput: z.strictObject({
    hookEventName: z.literal('PreToolUse'),
    permissionDecision: z.enum(['allow', 'deny', 'ask', 'defer']),
    permissionDecisionReason: z.string().optional(),
    updatedInput: z.record(z.string(), z.unknown()).optional(),
    additionalContext: z.string().optional(),
  }),
});

/** `message` and `interrupt` are for "deny" only; `updatedInput` and `updatedPermissions` for "allow" only. */
export const claudePermissionRequestOutput = z.strictObject({
  ...universal,
  hookSpecificOutput: z
    .strictObject({
      hookEventName: z.literal('PermissionRequest'),
      decision: z.discriminatedUnion('behavior', [
        z.strictObject({
          behavior: z.literal('allow'),
          updatedInput: z.record(z.string(), z.unknown()).optional(),
          updatedPermissions: z.array(z.unknown()).optional(),
        }),
        z.strictObject({
          behavior: z.literal('deny'),
          message: z.string().optional(),
          interrupt: z.boolean().optional(),
        }),
      ]),
    })
    .optional(),
});

/** preToolUse documents `permission` allow|deny ("ask" is accepted) and `updated_input`. */
export const cursorPreToolUseOutput = z.strictObject({
  permission: z.enum(['allow', 'deny', 'ask']),
  user_message: z.string().optional(),
  agent_message: z.string().optional(),
  updated_input: z.record(z.string(), z.unknown()).optional(),
});

export const cursorBeforeExecutionOutput = z.strictObject({
  permission: z.enum(['allow', 'deny', 'ask']),
  user_message: z.string().optional(),
  agent_message: z.string().optional(),
});

/** The documented inputs, captured as fixtures (test/fixtures/hooks/). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/hooks/${name}.json`, import.meta.url), 'utf8'));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/hooks/${name}.json`, import.meta.url), 'utf8');
}

/** The error `fn` throws (the test fails if it throws none). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
