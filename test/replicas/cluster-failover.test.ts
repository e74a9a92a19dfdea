import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { slotOf } from '../../src/store/redis-clients.js';
import { createPause } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { decideThroughFailover } from '../helpers/failover.js';
import { ask, startCluster, type TestCluster } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

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

    const kinds = [...run.seen.keys()];
    expect(kinds.filter((k) => k.startsWith('internal') || k.includes('hung') || k === 'create 500')).toEqual([]);
    expect(
      kinds.every((k) => ['decided', 'already_final', 'unavailable', 'create 201', 'create 503'].includes(k)),
    ).toBe(true);
    expect(run.seen.get('unavailable') ?? run.seen.get('create 503')).toBeGreaterThan(0);
    expect(run.windowMs).not.toBeNull();
    expect(run.readiness[0]).toBe(200);
    expect(run.readiness).toContain(503);
    await eventually(async () => ((await fetch(`${running.url}/readyz`)).status === 200 ? true : undefined), 15_000);

    // The replica took over the slot, and every decision acknowledged before and after the kill is there.
    const now = await eventually(async () => {
      const primary = await cluster.primary();
      return primary === run.killed ? undefined : primary;
    }, 20_000);
    expect(now).not.toBe(run.killed);
    expect(run.acknowledged.size).toBeGreaterThanOrEqual(10);
    for (const [pauseId, responder] of run.acknowledged) {
      const res = await fetch(`${running.url}/v1/pauses/${pauseId}`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      const view = (await res.json()) as { status: string; response?: { responder: string } };
      expect(view.status, pauseId).toBe('responded');
      expect(view.response?.responder).toBe(responder);
    }
    // The old primary came back as a replica of the new one.
    await eventually(async () => {
      const info = String((await ask(run.killed.port, 'INFO', 'replication')) ?? '');
      return info.includes('role:slave') && info.includes(`master_port:${now.port}`) ? true : undefined;
    }, 20_000);

    // The job runner resumed: a pause created now gets its e-mail.
    const after = await createPause(running);
    await eventually(
      () => (readdirSync(outbox).some((f) => readFileSync(join(outbox, f), 'utf8').includes(after)) ? true : undefined),
      15_000,
    );
  }, 120_000);
});
