import { Cluster, type Redis } from 'ioredis';
import { LoopPauseError } from '../domain/errors.js';
import { slotOf } from './redis-clients.js';
import type { RedisContext } from './redis-connection.js';
import { storeOutage } from './unavailable.js';

/**
 * One connection to the deployment's primary, held for a write and the WAIT that confirms it. WAIT
 * counts only the writes of its own connection: on a connection opened since (ioredis reconnects
 * by itself, and on a Sentinel set lands on another server), it answers at once and confirms
 * nothing. So the write, the WAIT and anything read to check them go over one pinned connection,
 * and `unchanged()` says whether it is still the one they started on.
 */
export interface Pinned {
  client: Redis;
  unchanged(): boolean;
}

/**
 * The connection to use: on a Cluster, the primary of the deployment's slot itself (its node
 * connections never reconnect: one that drops is replaced, and this one stays closed); else the
 * command client, tagged with how often it has connected so far.
 */
export function pin(context: RedisContext): Pinned {
  const { redis } = context;
  if (redis instanceof Cluster) {
    const owner = redis.slots[slotOf(context.keys.base)]?.[0];
    const node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    // No known primary for the slot (mid-failover): nothing can be confirmed.
    if (!node) throw unconfirmed('no primary is known for the deployment’s keys just now');
    return { client: node, unchanged: () => node.status === 'ready' };
  }
  const epoch = context.connectionEpoch?.() ?? 0;
  return { client: redis, unchanged: () => (context.connectionEpoch?.() ?? 0) === epoch };
}

/**
 * Waits (WAIT) until the context's replicas hold every write made on `pinned` so far; throws
 * `unavailable` when fewer do in time, or when the connection changed under the write.
 */
export async function requireReplicas(context: RedisContext, pinned: Pinned): Promise<void> {
  const durability = context.durability;
  if (!durability || durability.replicas <= 0) return;
  let acked: number;
  try {
    acked = Number(await pinned.client.wait(durability.replicas, durability.timeoutMs));
  } catch (error) {
    // The pinned connection went away under the WAIT (a Cluster node's connection is not reopened).
    throw storeOutage(error) ?? error;
  }
  if (acked < durability.replicas) throw notReplicated(acked, durability.replicas);
  if (!pinned.unchanged()) throw unconfirmed('the connection to the store changed while it was confirmed');
}

/** Whether deciding steps must wait for replicas. */
export function wantsReplicas(context: RedisContext): boolean {
  return (context.durability?.replicas ?? 0) > 0;
}

function notReplicated(acked: number, wanted: number): LoopPauseError {
  return new LoopPauseError(
    'unavailable',
    `the store did not confirm this on ${wanted} replica${wanted === 1 ? '' : 's'} in time (${acked} did); ` +
      'try again shortly: a retry finds what was already done',
  );
}

export function unconfirmed(why: string): LoopPauseError {
  return new LoopPauseError('unavailable', `${why}; try again shortly: a retry finds what was already done`);
}

/**
 * Confirms that the replicas hold what a read just saw, whoever wrote it. Another replica of
 * LoopPause may have made the decision this one read, so a confirmation writes one small key
 * first: everything the primary had before that write, the read's decision included, is then
 * covered by WAIT. It resolves with the pinned connection, for the caller to check on it that
 * the primary still holds what it read (a failover between the read and the write would leave
 * the read on a server that is gone).
 *
 * Confirmations commit as a group: one that is asked for while another is on its way joins the
 * next, which starts as soon as that one ends (it cannot join the one on its way: that write may
 * predate the read). However many long-polls a decision wakes, at most two are in flight.
 */
export class ReplicaBarrier {
  private running: Promise<Pinned> | undefined;
  private queued: Promise<Pinned> | undefined;

  constructor(private readonly context: RedisContext) {}

  confirm(): Promise<Pinned> {
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

  private async once(): Promise<Pinned> {
    const pinned = pin(this.context);
    await pinned.client.set(this.context.keys.replicated, String(Date.now()));
    await requireReplicas(this.context, pinned);
    return pinned;
  }
}
