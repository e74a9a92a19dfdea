import { defineScript } from '../lua-scripts.js';

export interface AuditSealInput {
  /** The sealed mark's seq as the sealer read it ("0" before the first seal). */
  readSeq: string;
  /** The last entry sealed now: its seq, hash and stream id. */
  seq: number;
  hash: string;
  streamId: string;
  /** Each entry's seq and `prev`, in order. */
  prevs: ReadonlyArray<readonly [seq: number, prev: string]>;
}

/** lua/audit-seal-3.lua: records a run of `prev`s and moves the sealed mark, unless another sealer moved it first. True when sealed. */
export const auditSealScript = defineScript({
  name: 'audit-seal',
  numKeys: 3,
  keys: (k, _input: AuditSealInput) => [k.audit, k.auditPrev, k.auditSealed] as const,
  args: (_k, { readSeq, seq, hash, streamId, prevs }: AuditSealInput) => [
    /* 1 */ readSeq,
    /* 2 */ seq,
    /* 3 */ hash,
    /* 4 */ streamId,
    /* 5.. */ ...prevs.flat(),
  ],
  durable: true,
  reply: (raw) => raw === 1,
});
