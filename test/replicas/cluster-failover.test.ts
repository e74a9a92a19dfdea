import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { slotOf } from '../../src/store/redis-clients.js';
import { createPause } from '../helpers/email.js';
import { decideThroughFailover, expectNothingLost } from '../helpers/failover.js';
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
