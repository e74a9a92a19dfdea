import { defineScript } from '../lua-scripts.js';
import { redisDelegationKeys } from '../redis-keys.js';

export interface EndDelegationInput {
  nowMs: number;
  absentKey: string;
}

/** lua/end-delegation-1.lua: removes one person's delegation; the record (JSON) if it was in force, else ''. */
export const endDelegationScript = defineScript({
  name: 'end-delegation',
  numKeys: 1,
  keys: (k, _input: EndDelegationInput) => [redisDelegationKeys(k.base).all] as const,
  args: (_k, { nowMs, absentKey }: EndDelegationInput) => [/* 1 */ nowMs, /* 2 */ absentKey],
  reply: (raw): string => (typeof raw === 'string' ? raw : ''),
});
