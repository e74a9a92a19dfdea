// npm run bench:scale — replicas on one Redis (issue 6). Talks only to 127.0.0.1 and stops by itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisStore } from '../src/store/redis-store.js';
import { ApprovalService } from '../src/use-cases/approval-service.js';
import { FakeSlack } from '../test/helpers/fake-slack.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../test/helpers/service.js';
import { SLACK_SIGNING_SECRET, sendToSlackEndpoint, slashCommandBody } from '../test/helpers/slack-requests.js';
import { percentile } from './load.js';
import { pendingPause, type Replica, spawnReplica, stopReplica } from './replica.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const out = (line: string) => process.stdout.write(`${line}\n`);
const root = new URL('..', import.meta.url).pathname;

execFileSync(process.execPath, [join(root, 'scripts/ensure-build.mjs')], { stdio: 'inherit' });
const redis = await startRedis();
const fake = await new FakeSlack().start();
const prefix = randomPrefix();
const outbox = mkdtempSync(join(tmpdir(), 'looppause-bench-outbox-'));

const replicas: Replica[] = [];
async function startReplica(): Promise<string> {
  const replica = await spawnReplica({
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: prefix,
    LOOPPAUSE_OUTBOX_DIR: outbox,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
  });
  replicas.push(replica);
  return replica.url;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function call(url: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        agent,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const createBody = JSON.stringify({
  action_description: 'scale bench',
  action_details: { n: '1' },
  recipient_slack: '#ops',
});
async function createAndCheck(urls: string[]): Promise<{ perSecond: number; errors: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      let i = worker;
      while (performance.now() < deadline) {
        const url = urls[i++ % urls.length] as string;
        const created = await call(url, 'POST', '/v1/pauses', createBody);
        if (created.status !== 201) {
          errors++;
          continue;
        }
        const { pause_id } = JSON.parse(created.text) as { pause_id: string };
        const checked = await call(urls[i % urls.length] as string, 'GET', `/v1/pauses/${pause_id}`);
        if (checked.status === 200) done++;
        else errors++;
      }
    }),
  );
  return { perSecond: done / ((performance.now() - started) / 1000), errors };
}

try {
  const urls = await Promise.all([startReplica(), startReplica(), startReplica()]);
  const store = new RedisStore({ url: redis.url, prefix });
  await store.connect();
  const probe = new Redis(redis.url);

  // Throughput: create + check, one replica then three.
  await createAndCheck([urls[0] as string]);
  const one = await createAndCheck([urls[0] as string]);
  const three = await createAndCheck(urls);

  // Wake-up latency: waiting on replica i, decided by another process on its own connection.
  const decider = new ApprovalService({
    store,
    signingSecret: TEST_SIGNING_SECRET,
    slackEnabled: true,
    emailFallbackAfterMs: 0,
  });
  const wake: number[] = [];
  for (let i = 0; i < 200; i++) {
    const created = await call(urls[i % 3] as string, 'POST', '/v1/pauses', createBody);
    const { pause_id } = JSON.parse(created.text) as { pause_id: string };
    const waiting = call(urls[(i + 1) % 3] as string, 'GET', `/v1/pauses/${pause_id}?wait=30`).then(() =>
      performance.now(),
    );
    await new Promise((r) => setTimeout(r, 15));
    const decidedAt = performance.now();
    await decider.decide(pause_id, {
      decision: 'approved',
      responder: 'bench@example.com',
      channel: 'web',
      identities: [],
    });
    wake.push((await waiting) - decidedAt);
  }
  wake.sort((a, b) => a - b);

  // Memory at PENDING pending pauses (Slack-bound, so they also fill the /looppause index).
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))?.[1]);
  await probe.call('MEMORY', 'PURGE').catch(() => undefined);
  const before = await usedMemory();
  const nowMs = Date.now();
  const createStarted = performance.now();
  for (let i = 0; i < PENDING; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, PENDING - i) }, () =>
        store.createPause({ pause: pendingPause(nowMs, 24 * 3_600_000, true), jobs: [] }),
      ),
    );
  }
  const createSeconds = (performance.now() - createStarted) / 1000;
  const after = await usedMemory();

  // /looppause at PENDING pending: signed slash command → ephemeral list at the response_url.
  const listTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const responseId = `bench-${i}`;
    const started = performance.now();
    const res = await sendToSlackEndpoint(
      urls[i % 3] as string,
      slashCommandBody({ text: 'pending', userId: 'U0BENCH01', responseUrl: fake.responseUrl(responseId) }),
      'application/x-www-form-urlencoded',
    );
    if (res.status !== 200) throw new Error(`/looppause answered ${res.status}`);
    await fake.waitFor((c) => c.method === 'response_url' && c.path.endsWith(responseId), { timeoutMs: 20_000 });
    listTimes.push(performance.now() - started);
  }
  listTimes.sort((a, b) => a - b);
  const storeList: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await store.listPauses({ slackOnly: true, status: 'pending', limit: 10 });
    storeList.push(performance.now() - started);
  }
  storeList.sort((a, b) => a - b);

  // Expiry burst: BURST pauses expiring in the same second, swept by the three replicas.
  const burstAt = Date.now() + 5_000;
  for (let i = 0; i < BURST; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, BURST - i) }, () =>
        store.createPause({ pause: pendingPause(burstAt - 24 * 3_600_000, 24 * 3_600_000, false), jobs: [] }),
      ),
    );
  }
  while (Date.now() < burstAt) await new Promise((r) => setTimeout(r, 5));
  let sweptAfterMs = Number.NaN;
  for (;;) {
    const left = await probe.zcount(store.keys.expiry, '-inf', burstAt);
    if (left === 0) {
      sweptAfterMs = Date.now() - burstAt;
      break;
    }
    if (Date.now() - burstAt > 60_000) break;
    await new Promise((r) => setTimeout(r, 5));
  }

  out('');
  out(
    `LoopPause scale benchmark (Node ${process.version}, ${CONCURRENCY} connections, ${SECONDS} s runs, Redis with appendfsync always, 2 cores shared by Redis, replicas and load generator)`,
  );
  out('');
  out('| figure | value |');
  out('|---|---|');
  out(`| create+check, 1 replica | ${one.perSecond.toFixed(0)} pairs/s (${one.errors} errors) |`);
  out(`| create+check, 3 replicas | ${three.perSecond.toFixed(0)} pairs/s (${three.errors} errors) |`);
  out(`| ratio 3 / 1 | ${(three.perSecond / one.perSecond).toFixed(2)} |`);
  out(
    `| wake-up across replicas (n=${wake.length}) | p50 ${percentile(wake, 50).toFixed(2)} ms, p99 ${percentile(wake, 99).toFixed(2)} ms |`,
  );
  out(
    `| Redis memory per pending pause at ${PENDING} pending | ${((after - before) / PENDING).toFixed(0)} B (${((after - before) / 1048576).toFixed(1)} MiB total; created in ${createSeconds.toFixed(1)} s) |`,
  );
  out(
    `| /looppause pending at ${PENDING} pending, slash command → list at response_url (n=20) | p50 ${percentile(listTimes, 50).toFixed(1)} ms, p99 ${percentile(listTimes, 99).toFixed(1)} ms |`,
  );
  out(`| store list query behind it (n=20) | p50 ${percentile(storeList, 50).toFixed(2)} ms |`);
  out(`| ${BURST} pauses expiring in the same second: all timed out after | ${sweptAfterMs.toFixed(0)} ms |`);

  await store.close();
  await probe.quit();
} finally {
  agent.destroy();
  await Promise.all(replicas.map(stopReplica));
  await fake.close();
  await redis.stop();
  rmSync(outbox, { recursive: true, force: true });
}
