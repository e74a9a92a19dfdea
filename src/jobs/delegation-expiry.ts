import type { Logger } from 'pino';
import type { AuditLog } from '../store/ports/audit.js';
import type { DelegationStore } from '../store/ports/delegations.js';

/** How often each replica sweeps delegations past their end. */
export const DELEGATION_SWEEP_MS = 60_000;

/**
 * Records the delegations that ended by themselves: every replica sweeps each minute, the store
 * hands each ended one to exactly one of them, which appends `delegation.ended` (actor `system`).
 * A delegation stops counting at its `until` whatever the sweep: every read judges it by the clock;
 * the sweep only removes it and puts its end on the audit log.
 */
export function startDelegationExpiry(
  deps: { delegations: Pick<DelegationStore, 'sweepDelegations'>; audit: Pick<AuditLog, 'appendAudit'> },
  logger: Logger,
  now: () => number = Date.now,
  everyMs: number = DELEGATION_SWEEP_MS,
): { stop: () => void; sweep: () => Promise<number> } {
  const sweep = async (): Promise<number> => {
    try {
      const nowMs = now();
      const ended = await deps.delegations.sweepDelegations(nowMs);
      for (const d of ended) {
        await deps.audit.appendAudit(
          {
            type: 'delegation.ended',
            actor: 'system',
            data: { absent: d.absent, delegate: d.delegate, until: d.until, expired: true },
          },
          nowMs,
        );
      }
      return ended.length;
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'delegation sweep failed; will try again');
      return 0;
    }
  };
  const timer = setInterval(() => void sweep(), everyMs).unref();
  return { stop: () => clearInterval(timer), sweep };
}
