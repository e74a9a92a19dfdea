import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/cli/webhooks.js';
import { parseConfig } from '../../src/config.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { type ReplicaProcess, spawnReplica } from '../helpers/replica-process.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { queueSettled } from '../helpers/settled.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

let redis: TestRedis;
let receiver: WebhookReceiver;
let replicas: ReplicaProcess[] = [];
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  redis = await startRedis();
  receiver = await new WebhookReceiver().start();
  dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'looppause-webhooks-'));
  env = {
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
    LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox'),
    LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
  };
});
afterEach(async () => {
  await receiver.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  replicas = [];
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Registers through the CLI, as an operator would (the endpoint lands in Redis for every replica). */
async function registerByCli(path: string, events: string): Promise<string> {
  const config = parseConfig({ ...env, LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET });
  if (!config.ok) throw new Error(config.errors.join());
  const out: string[] = [];
  const code = await webhooksCommand(config.config, ['add', receiver.url(path), '--events', events], {
    out: (s) => out.push(s),
    err: () => {},
  });
  expect(code).toBe(0);
  const endpoint = JSON.parse(out.join('')) as { id: string; secret: string };
  receiver.secret(path, endpoint.secret);
  return endpoint.id;
}

async function rest(replica: ReplicaProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const create = async (replica: ReplicaProcess, n: number) => {
  const { status, body } = await rest(replica, 'POST', '/v1/pauses', {
    action_description: `Deploy ${n}`,
    action_details: {},
    recipient_email: 'ops@example.com',
  });
  expect(status).toBe(201);
  return body.pause_id as string;
};

describe('webhooks across replica processes on one Redis', () => {
  it('a replica killed mid-delivery: another delivers the event (at least once), and nothing is lost', async () => {
    const first = await spawnReplica({ ...env, LOOPPAUSE_JOB_LEASE_SECONDS: '2' });
    replicas.push(first);
    // The first attempt hangs: the replica holding it is killed while it waits.
    receiver.on('/hook', (n) => (n === 1 ? 'hang' : 204));
    await registerByCli('/hook', 'pause.created,pause.cancelled');
    const pauseId = await create(first, 1);
    await eventually(() => (receiver.attempts('/hook') === 1 ? true : undefined), 15_000);
    const second = await spawnReplica({ ...env, LOOPPAUSE_JOB_LEASE_SECONDS: '2' });
    replicas.push(second);
    await first.kill();
    // The lease runs out; the surviving replica takes the job over and delivers it.
    const [got] = await eventually(() => (receiver.at('/hook').length >= 1 ? receiver.at('/hook') : undefined), 30_000);
    expect(got?.id).toBe(`msg_${pauseId}.created`);
    expect(got?.verified).toBe(true);
    // And it keeps working after the crash: a cancellation on the survivor arrives too.
    expect((await rest(second, 'POST', `/v1/pauses/${pauseId}/cancel`, {})).status).toBe(200);
    await eventually(
      () => (receiver.at('/hook').some((r) => r.id === `msg_${pauseId}.cancelled`) ? true : undefined),
      15_000,
    );
    expect(receiver.at('/hook').every((r) => r.verified)).toBe(true);
  }, 120_000);

  it('three replicas: every event delivered exactly once in the normal case', async () => {
    for (let i = 0; i < 3; i++) replicas.push(await spawnReplica(env));
    await registerByCli('/all', 'pause.created,pause.delivered,pause.cancelled');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await create(replicas[i % 3] as ReplicaProcess, i));
    await eventually(() => (receiver.at('/all').length >= 60 ? true : undefined), 60_000);
    for (const [i, id] of ids.entries()) {
      expect((await rest(replicas[(i + 1) % 3] as ReplicaProcess, 'POST', `/v1/pauses/${id}/cancel`, {})).status).toBe(
        200,
      );
    }
    await eventually(() => (receiver.at('/all').length >= 90 ? true : undefined), 60_000);
    // Nothing left queued that could still send (the replicas' default 60 s lease): a duplicate would have been sent.
    const store = new RedisStore({ url: redis.url, prefix: env.LOOPPAUSE_REDIS_PREFIX as string });
    try {
      await store.connect();
      await queueSettled({ queue: store, leaseMs: 60_000, metricsUrl: (replicas[0] as ReplicaProcess).url }, 30_000);
    } finally {
      await store.close();
    }
    const got = receiver.at('/all');
    expect(got.every((r) => r.verified)).toBe(true);
    const expected = ids.flatMap((id) => [`msg_${id}.created`, `msg_${id}.delivered.email`, `msg_${id}.cancelled`]);
    expect(got.map((r) => r.id).sort()).toEqual(expected.sort());
  }, 180_000);
});
