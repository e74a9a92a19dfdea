import { asNumber, defineScript } from '../lua-scripts.js';

/** lua/audit-trim-4.lua: drops up to `max` sealed entries older than `beforeMs`, moving the anchor; returns how many. */
export const auditTrimScript = defineScript({
  name: 'audit-trim',
  numKeys: 4,
  keys: (k, _input: { beforeMs: number; max: number }) => [k.audit, k.auditPrev, k.auditAnchor, k.auditSealed] as const,
  args: (_k, { beforeMs, max }: { beforeMs: number; max: number }) => [/* 1 */ beforeMs, /* 2 */ max],
  reply: asNumber,
});
