import { LoopPauseError } from '../domain/errors.js';
import { waitForReplicas } from './redis-clients.js';
import type { RedisContext } from './redis-connection.js';

/**
 * Waits (WAIT) until the context's replicas hold every write made on its connection so far, at the
 * primary of `key`'s slot; throws `unavailable` when fewer do in time. Nothing when the context
 * asks for no replicas.
 */
export async function requireReplicas(context: RedisContext, key: string): Promise<void> {
  const durability = context.durability;
  if (!durability || durability.replicas <= 0) return;
  const acked = await waitForReplicas(context.redis, key, durability.replicas, durability.timeoutMs);
  if (acked < durability.replicas) throw notReplicated(acked, durability.replicas);
}

function notReplicated(acked: number, wanted: number): LoopPauseError {
  return new LoopPauseError(
    'unavailable',
    `the store did not confirm this on ${wanted} replica${wanted === 1 ? '' : 's'} in time (${acked} did); ` +
      'try again shortly: a retry finds what was already done',
  );
}

/**
 * Confirms that the replicas hold what a read just saw, whoever wrote it. WAIT counts only the
 * writes of its own connection, and another replica of LoopPause may have made the decision this
 * one read, so a confirmation writes one small key first: everything the primary had before that
 * write, the read's decision included, is then covered by WAIT.
 *
 * Confirmations commit as a group: one that is asked for while another is on its way joins the
 * next, which starts as soon as that one ends (it cannot join the one on its way: that write may
 * predate the read). However many long-polls a decision wakes, at most two are in flight.
 */
export class ReplicaBarrier {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly context: RedisContext) {}

  confirm(): Promise<void> {
    const durability = this.context.durability;
    if (!durability || durability.replicas <= 0) return Promise.resolve();
    if (!this.running) {
      this.running = this.once().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.confirm();
      });
    return this.queued;
  }

  private async once(): Promise<void> {
    const key = this.context.keys.replicated;
    await this.context.redis.set(key, String(Date.now()));
    await requireReplicas(this.context, key);
  }
}
