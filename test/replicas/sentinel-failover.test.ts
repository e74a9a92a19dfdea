import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { createPause } from '../helpers/email.js';
import { decideThroughFailover, expectNothingLost } from '../helpers/failover.js';
import { type SentinelSet, startSentinelSet } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';

describe('Sentinel failover under a load of decisions (primary killed with SIGKILL)', () => {
  let set: SentinelSet;
  let running: RunningService;
  const outbox = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'looppause-failover-outbox-'));

  beforeAll(async () => {
    set = await startSentinelSet();
    // LOOPPAUSE_REDIS_MIN_REPLICAS is left to its Sentinel default: 1.
    running = await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_OUTBOX_DIR: outbox,
    });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await set?.stop();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('keeps every acknowledged decision, answers 503 (never 500, never hangs), says so on /readyz, and runs jobs again', async () => {
    const pauses: string[] = [];
    for (let i = 0; i < 120; i++) pauses.push(await createPause(running));
    const run = await decideThroughFailover({ service: running, set, pauses, beforeKill: 10, afterRecovery: 10 });
    await expectNothingLost(run, { service: running, set: set, outbox });
  }, 90_000);
});
