import { z } from 'zod';
import { type Delegation, isActive } from '../domain/delegation.js';
import { humanKey } from '../domain/policy/humans.js';
import type { DelegationStore, SetDelegationOutcome } from './ports/delegations.js';
import type { RedisContext } from './redis-connection.js';
import { redisDelegationKeys } from './redis-keys.js';
import { endDelegationScript } from './scripts/end-delegation.js';
import { setDelegationScript } from './scripts/set-delegation.js';
import { sweepDelegationsScript } from './scripts/sweep-delegations.js';

const recordSchema = z.object({
  absent: z.string(),
  delegate: z.string(),
  from: z.string(),
  until: z.string(),
  set_by: z.string(),
});

/**
 * Delegations on Redis: one hash, a field per away person, set and checked for loops in one script
 * (set-delegation-1.lua), so replicas racing to name each other cannot both succeed.
 */
export class RedisDelegations implements DelegationStore {
  constructor(private readonly context: RedisContext) {}

  async setDelegation(delegation: Delegation, nowMs: number): Promise<SetDelegationOutcome> {
    const record = { ...delegation };
    const reply = await setDelegationScript.run(this.context, {
      nowMs,
      absentKey: humanKey(delegation.absent),
      delegateKey: humanKey(delegation.delegate),
      untilMs: Date.parse(delegation.until),
      record: JSON.stringify(record),
    });
    if (!reply.set) return { outcome: 'conflict', conflict: reply.conflict };
    const replaced = parseRecord(reply.replaced);
    return { outcome: 'set', delegation: record, ...(replaced ? { replaced } : {}) };
  }

  async endDelegation(absent: string, nowMs: number): Promise<Delegation | undefined> {
    return parseRecord(await endDelegationScript.run(this.context, { nowMs, absentKey: humanKey(absent) }));
  }

  async sweepDelegations(nowMs: number): Promise<Delegation[]> {
    const records = await sweepDelegationsScript.run(this.context, { nowMs });
    return records.flatMap((raw) => parseRecord(raw) ?? []);
  }

  async listDelegations(nowMs: number): Promise<Delegation[]> {
    const held = await this.context.redis.hgetall(redisDelegationKeys(this.context.keys.base).all);
    return Object.keys(held)
      .sort()
      .flatMap((key) => {
        const value = held[key] ?? '';
        const record = parseRecord(value.split('|').slice(2).join('|'));
        return record && isActive(record, nowMs) ? [record] : [];
      });
  }
}

/** A stored record; undefined for '' or one that does not parse (never trusted as in force). */
function parseRecord(raw: string): Delegation | undefined {
  if (raw === '') return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
