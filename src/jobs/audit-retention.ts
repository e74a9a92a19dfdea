import type { Logger } from 'pino';
import type { AuditLog } from '../store/ports/audit.js';

const HOUR_MS = 3_600_000;
const TRIM_BATCH = 10_000;

/**
 * Drops audit entries past LOOPPAUSE_AUDIT_RETENTION_DAYS, hourly, on every replica (the trim is
 * one atomic step, so replicas trimming at once drop each entry once). The anchor keeps the chain
 * verifiable after a trim.
 */
export function startAuditRetention(
  store: Pick<AuditLog, 'trimAudit'>,
  retentionDays: number,
  logger: Logger,
  now: () => number = Date.now,
): () => void {
  const trim = async () => {
    const before = now() - retentionDays * 24 * HOUR_MS;
    let dropped = 0;
    try {
      for (;;) {
        const batch = await store.trimAudit(before, TRIM_BATCH);
        dropped += batch;
        if (batch < TRIM_BATCH) break;
      }
      if (dropped > 0) logger.info({ dropped, retention_days: retentionDays }, 'audit entries past retention dropped');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'audit retention trim failed; will try again');
    }
  };
  const first = setTimeout(trim, 60_000).unref();
  const timer = setInterval(trim, HOUR_MS).unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
