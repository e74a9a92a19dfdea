import type { RunningService } from '../../src/main.js';
import { eventually } from './eventually.js';

/**
 * Waits until the service has no work left that could still act soon: no job due, none running (a
 * claimed job is leased, so it shows as due within the lease) or retrying within the lease, and no
 * webhook delivery pending. A job queues what follows from it before it completes, so once this
 * holds, "nothing more was sent" holds for good, rather than for as long as a sleep lasted.
 * Pause deadlines further off than the lease (the default 24 h) do not count.
 */
export async function settled(running: RunningService, timeoutMs?: number): Promise<void> {
  await eventually(async () => {
    const next = await running.store.nextWakeAt();
    if (next !== null && next <= Date.now() + running.config.jobLeaseMs) return undefined;
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    return /^looppause_webhook_deliveries_pending 0$/m.test(metrics) ? true : undefined;
  }, timeoutMs);
}
