import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from '../../src/store/redis-store.js';
import { FakeSlack } from './fake-slack.js';
import { randomPrefix, startRedis } from './redis-server.js';
import { type ReplicaProcess, spawnReplica } from './replica-process.js';
import { queueSettled } from './settled.js';
import { SLACK_SIGNING_SECRET } from './slack-requests.js';
import { TestSmtp } from './smtp.js';

export interface ReplicaCluster {
  /** The Slack Web API every replica talks to. */
  fake: FakeSlack;
  /** Set when asked for: the replicas send mail through it. */
  smtp?: TestSmtp;
  /** The replicas' store, on its own connection: to read what they wrote. */
  store: RedisStore;
  /** The i-th replica, round robin. */
  at(i: number): ReplicaProcess;
  /**
   * Waits until no replica has work left that could still act soon (settled.ts: nothing due, running
   * or retrying within the replicas' job lease, no webhook delivery pending), read from the store
   * they share: what the fakes recorded by then is final.
   */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Three (or `count`) `looppause serve` processes on one real Redis, with Slack pointed at a fake Web
 * API, optionally a policy file and a test SMTP server. Started one after another: three starting at
 * once on a busy machine may outlast the start-up deadline. `env` is added to every replica's.
 */
export async function startReplicaCluster(
  options: { policy?: string; smtp?: boolean; env?: Record<string, string>; count?: number } = {},
): Promise<ReplicaCluster> {
  const redis = await startRedis();
  const fake = await new FakeSlack().start();
  const smtp = options.smtp ? await new TestSmtp().start() : undefined;
  const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'replicas-'));
  const prefix = randomPrefix();
  const store = new RedisStore({ url: redis.url, prefix });
  const replicas: ReplicaProcess[] = [];
  const close = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await store.close();
    await fake.close();
    await smtp?.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await store.connect();
    const env: Record<string, string> = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: prefix,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox'),
      ...(smtp ? { SMTP_URL: smtp.url } : {}),
      ...options.env,
    };
    if (options.policy !== undefined) {
      env.LOOPPAUSE_POLICY_FILE = join(dir, 'policy.yaml');
      writeFileSync(env.LOOPPAUSE_POLICY_FILE, options.policy);
    }
    for (let i = 0; i < (options.count ?? 3); i++) replicas.push(await spawnReplica(env));
  } catch (error) {
    await close();
    throw error;
  }
  const leaseMs = Number(options.env?.LOOPPAUSE_JOB_LEASE_SECONDS ?? 60) * 1000;
  const settled = (timeoutMs?: number) => {
    const live = replicas.find((r) => r.child.exitCode === null && r.child.signalCode === null);
    if (!live) throw new Error('no replica is running');
    return queueSettled({ queue: store, leaseMs, metricsUrl: live.url }, timeoutMs);
  };
  return { fake, smtp, store, at: (i) => replicas[i % replicas.length] as ReplicaProcess, settled, close };
}
