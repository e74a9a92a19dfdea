import { defineScript } from '../lua-scripts.js';
import type { SettleOutcome } from '../ports/tasks.js';
import { redisTaskKeys } from '../redis-keys.js';

export interface SettleTaskInput {
  taskId: string;
  agentId: string;
  /** `result`: the agent's result (JSON); `forwarder`: who forwards the approved call. */
  field: 'result' | 'forwarder';
  value: string;
  nowMs: number;
}

const OUTCOME: Record<number, SettleOutcome> = { 0: 'not_found', 1: 'settled', 2: 'already' };

/** lua/settle-task-1.lua: sets a gateway task's result, or its forwarder, once. */
export const settleTaskScript = defineScript({
  name: 'settle-task',
  numKeys: 1,
  keys: (k, { taskId }: SettleTaskInput) => [redisTaskKeys(k.base).task(taskId)] as const,
  args: (_k, { agentId, value, nowMs, field }: SettleTaskInput) => [
    /* 1 */ agentId,
    /* 2 */ value,
    /* 3 */ nowMs,
    /* 4 */ field,
  ],
  // The agent is handed the result, and the forwarder spends the approval: a failover must lose neither.
  durable: true,
  reply: (raw): SettleOutcome => OUTCOME[Number(raw)] ?? 'not_found',
});
