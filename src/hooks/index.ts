import { claudeCodeHook } from './claude-code.js';
import { cursorHook } from './cursor.js';
import type { HookAdapter } from './verdict.js';

export type { HookAdapter, HookFailure, HookRequest, HookVerdict } from './verdict.js';
export { MAX_HOOK_BODY_BYTES } from './verdict.js';

/**
 * The coding agents whose hooks LoopPause answers: `POST /v1/hooks/<agent>` and
 * `looppause hook <agent>`. Each reads its agent's documented hook input as a tool call for the
 * engine and writes the engine's answer back in that agent's documented output.
 */
export const HOOK_ADAPTERS: readonly HookAdapter[] = [claudeCodeHook, cursorHook] as readonly HookAdapter[];

export function hookAdapter(agent: string): HookAdapter | undefined {
  return HOOK_ADAPTERS.find((adapter) => adapter.agent === agent);
}
