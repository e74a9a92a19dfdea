import { asNumber, defineScript } from '../lua-scripts.js';

export interface WaitingIndexInput {
  pauseId: string;
  createdMs: number;
  /** deciderHash of each of its deciders. */
  deciderHashes: readonly string[];
}

/** lua/waiting-index-1.lua: a pause pending from before the waiting indexes joins them. 1 when indexed, 0 when no longer pending. */
export const waitingIndexScript = defineScript({
  name: 'waiting-index',
  numKeys: 1,
  keys: (k, { pauseId }: WaitingIndexInput) => [k.pause(pauseId)] as const,
  args: (k, { pauseId, createdMs, deciderHashes }: WaitingIndexInput) => [
    /* 1 */ pauseId,
    /* 2 */ createdMs,
    /* 3 */ k.base,
    /* 4 */ deciderHashes.join(' '),
  ],
  reply: asNumber,
});
