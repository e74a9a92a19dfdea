import { defineScript } from '../lua-scripts.js';
import type { NewAuditEntry } from '../ports/audit.js';

/** lua/audit-append-1.lua: an audit entry that belongs to no pause change. */
export const auditAppendScript = defineScript({
  name: 'audit-append',
  numKeys: 1,
  keys: (k, _input: { entry: NewAuditEntry; nowMs: number }) => [k.audit] as const,
  args: (k, { entry, nowMs }: { entry: NewAuditEntry; nowMs: number }) => [
    /* 1 */ k.base,
    /* 2 */ nowMs,
    /* 3 */ entry.type,
    /* 4 */ entry.actor,
    /* 5 */ JSON.stringify(entry.data ?? {}),
    /* 6 */ entry.pause_id ?? '',
  ],
  // The entry's seq.
  reply: (raw) => Number(raw),
});
