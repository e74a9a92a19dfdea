import { defineScript } from '../lua-scripts.js';
import { redisDelegationKeys } from '../redis-keys.js';

export interface SweepDelegationsInput {
  nowMs: number;
}

/** lua/sweep-delegations-1.lua: removes the delegations past their until; the records (JSON) it removed. */
export const sweepDelegationsScript = defineScript({
  name: 'sweep-delegations',
  numKeys: 1,
  keys: (k, _input: SweepDelegationsInput) => [redisDelegationKeys(k.base).all] as const,
  args: (_k, { nowMs }: SweepDelegationsInput) => [/* 1 */ nowMs],
  reply: (raw): string[] => (Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : []),
});
