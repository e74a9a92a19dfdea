/** Attempts to one endpoint a replica makes at once, unless configured otherwise. */
export const DEFAULT_PER_ENDPOINT_CONCURRENCY = 8;

/** How long a delivery waits for a busy endpoint's slot before it steps aside. */
export const SLOT_WAIT_MS = 250;

/**
 * Attempts in flight per endpoint on this replica, at most `limit`; waiters are served in order.
 * A waiter gets a slot within `waitMs` or `false`: it then steps aside rather than hold a job slot.
 */
export class EndpointSlots {
  private readonly busy = new Map<string, { count: number; waiters: Array<(ok: boolean) => void> }>();

  constructor(
    private readonly limit: number = DEFAULT_PER_ENDPOINT_CONCURRENCY,
    private readonly waitMs: number = SLOT_WAIT_MS,
  ) {}

  /** True once the endpoint's slot is this caller's (release it then); false when none freed in time. */
  acquire(endpointId: string): Promise<boolean> {
    let entry = this.busy.get(endpointId);
    if (!entry) {
      entry = { count: 0, waiters: [] };
      this.busy.set(endpointId, entry);
    }
    if (entry.count < this.limit) {
      entry.count++;
      return Promise.resolve(true);
    }
    const waiters = entry.waiters;
    return new Promise((resolve) => {
      const waiter = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        resolve(false);
      }, this.waitMs);
      waiters.push(waiter);
    });
  }

  /** The slot goes straight to the next waiter, if any. */
  release(endpointId: string): void {
    const entry = this.busy.get(endpointId);
    if (!entry) return;
    const next = entry.waiters.shift();
    if (next) {
      next(true);
      return;
    }
    entry.count--;
    if (entry.count <= 0) this.busy.delete(endpointId);
  }
}
