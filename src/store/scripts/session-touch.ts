import { defineScript } from '../lua-scripts.js';
import { redisSessionKeys } from '../redis-keys.js';

export interface SessionTouchInput {
  idHash: string;
  nowMs: number;
  /** The session's new idle deadline, ms. */
  expiresAtMs: number;
}

/** lua/session-touch-1.lua: reads a session and pushes its idle deadline back, judged by `nowMs`; its JSON, or null when it has ended. */
export const sessionTouchScript = defineScript({
  name: 'session-touch',
  numKeys: 1,
  keys: (k, { idHash }: SessionTouchInput) => [redisSessionKeys(k.base).session(idHash)] as const,
  args: (_k, { nowMs, expiresAtMs }: SessionTouchInput) => [/* 1 */ nowMs, /* 2 */ expiresAtMs],
  reply: (raw) => (typeof raw === 'string' ? raw : null),
});
