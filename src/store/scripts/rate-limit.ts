import { asNumber, defineScript } from '../lua-scripts.js';

export interface RateLimitInput {
  subject: string;
  /** The window's number (time / windowMs, floored): part of its counter's name. */
  window: number;
  windowMs: number;
}

/** lua/rate-limit-1.lua: one hit in a fixed window; returns the hits so far in it. */
export const rateLimitScript = defineScript({
  name: 'rate-limit',
  numKeys: 1,
  keys: (k, { subject, window }: RateLimitInput) => [k.rateLimit(subject, window)] as const,
  args: (_k, { windowMs }: RateLimitInput) => [/* 1 */ windowMs],
  reply: asNumber,
});
