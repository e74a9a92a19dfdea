import type { DelegationConflict } from '../../domain/delegation.js';
import { defineScript } from '../lua-scripts.js';
import { redisDelegationKeys } from '../redis-keys.js';

export interface SetDelegationInput {
  nowMs: number;
  absentKey: string;
  delegateKey: string;
  untilMs: number;
  /** The delegation record, JSON. */
  record: string;
}

export type SetDelegationReply = { set: true; replaced: string } | { set: false; conflict: DelegationConflict };

/** lua/set-delegation-1.lua: one person's delegation, checked for loops and chains and written at once. */
export const setDelegationScript = defineScript({
  name: 'set-delegation',
  numKeys: 1,
  keys: (k, _input: SetDelegationInput) => [redisDelegationKeys(k.base).all] as const,
  args: (_k, { nowMs, absentKey, delegateKey, untilMs, record }: SetDelegationInput) => [
    /* 1 */ nowMs,
    /* 2 */ absentKey,
    /* 3 */ delegateKey,
    /* 4 */ untilMs,
    /* 5 */ record,
  ],
  reply: (raw): SetDelegationReply => {
    const [code, detail] = raw as [string, string];
    if (code === 'set') return { set: true, replaced: detail ?? '' };
    return { set: false, conflict: detail === 'absent_is_delegate' ? 'absent_is_delegate' : 'delegate_away' };
  },
});
