import type { RunningService } from '../../src/main.js';
import type { JobQueue } from '../../src/store/ports/jobs.js';
import { eventually } from './eventually.js';

/**
 * Waits until the service has no work left that could still act soon: no job due, none running (a
 * claimed job is leased, so it shows as due within the lease) or retrying within the lease, and no
 * webhook delivery pending. A job queues what follows from it before it completes, so once this
 * holds, "nothing more was sent" holds for good, rather than for as long as a sleep lasted.
 * Pause deadlines further off than the lease (the default 24 h) do not count.
 */
export async function settled(running: RunningService, timeoutMs?: number): Promise<void> {
  await queueSettled({ queue: running.store, leaseMs: running.config.jobLeaseMs, metricsUrl: running.url }, timeoutMs);
}

export interface SettlingQueue {
  /** The job queue every replica runs from. */
  queue: Pick<JobQueue, 'nextWakeAt'>;
  /** The replicas' job lease: a running job's due time lies at most this far ahead. */
  leaseMs: number;
  /** A replica whose /metrics reads the webhook queue depth (shared by every replica). */
  metricsUrl: string;
}

/**
 * `settled` for any number of replicas on one store (processes included): the same test on the
 * queue they share, so it holds once no replica has anything due, running or retrying soon.
 */
export async function queueSettled({ queue, leaseMs, metricsUrl }: SettlingQueue, timeoutMs?: number): Promise<void> {
  await eventually(async () => {
    const next = await queue.nextWakeAt();
    if (next !== null && next <= Date.now() + leaseMs) return undefined;
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    return /^looppause_webhook_deliveries_pending 0$/m.test(metrics) ? true : undefined;
  }, timeoutMs);
}

/** Polls a replica's /metrics until `looppause_waiting_checks` reads `count`: that many long-polls hold a watch. */
export async function waitingChecks(url: string, count: number, timeoutMs?: number): Promise<void> {
  await eventually(async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    return new RegExp(`^looppause_waiting_checks ${count}$`, 'm').test(metrics) ? true : undefined;
  }, timeoutMs);
}
