import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { slotOf } from '../../src/store/redis-clients.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { createPause } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { decideThroughFailover, expectNothingLost } from '../helpers/failover.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';
import { startCluster, type TestCluster } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';

describe('Cluster failover under a load of decisions (the deployment’s primary killed with SIGKILL)', () => {
  let cluster: TestCluster;
  let running: RunningService;
  const prefix = randomPrefix();
  const outbox = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'looppause-cluster-outbox-'));

  beforeAll(async () => {
    // Three primaries with a replica each; `primary()` is the one serving this deployment's slot.
    cluster = await startCluster({ replicas: 1, slot: slotOf(`{${prefix}}:`) });
    running = await startTestService({
      REDIS_URL: cluster.url,
      LOOPPAUSE_REDIS_PREFIX: prefix,
      LOOPPAUSE_REDIS_MIN_REPLICAS: '1',
      LOOPPAUSE_OUTBOX_DIR: outbox,
    });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await cluster?.stop();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('the slot’s node connection dropping between a decision’s script and its WAIT answers unavailable; a retry finds it decided', async () => {
    const store = new RedisStore({ url: cluster.url, prefix: randomPrefix(), minReplicas: 1, replicaTimeoutMs: 500 });
    await store.connect();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    const client = store.connection.redis as Cluster;
    const owner = client.slots[slotOf(store.connection.keys.base)]?.[0];
    const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    if (!node) throw new Error('no node for the slot');
    const original = node.wait.bind(node);
    let dropped = 0;
    node.wait = (async (...args: Parameters<typeof original>) => {
      node.wait = original;
      node.disconnect(true);
      dropped += 1;
      return original(...args);
    }) as typeof node.wait;
    await expect(store.endByPolicy(pause.pause_id, responseFor(pause), Date.now())).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(dropped).toBe(1);
    await eventually(
      async () => ((await store.getPause(pause.pause_id))?.status === 'responded' ? true : undefined),
      10_000,
    );
    expect((await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now())).outcome).toBe('already_final');
    await store.close();
  });

  it('keeps every acknowledged decision, answers 503 (never 500, never hangs), says so on /readyz, and runs jobs again', async () => {
    const pauses: string[] = [];
    for (let i = 0; i < 120; i++) pauses.push(await createPause(running));
    const run = await decideThroughFailover({
      service: running,
      set: cluster,
      pauses,
      beforeKill: 10,
      afterRecovery: 10,
    });
    await expectNothingLost(run, { service: running, set: cluster, outbox });
  }, 120_000);
});
