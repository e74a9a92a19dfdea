// npm run bench:waiting — how many waiting long-polls one replica holds, at what memory each, and
// how fast they wake when many decisions land at once. Talks only to 127.0.0.1 and stops by itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { RedisStore } from '../src/store/redis-store.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY } from '../test/helpers/service.js';
import { startDecider } from './decider-client.js';
import { percentile } from './load.js';
import { pendingPause, spawnReplica, stopReplica } from './replica.js';

const WAITING = Number(process.env.BENCH_WAITING ?? 10_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 1_000);
const out = (line: string) => process.stdout.write(`${line}\n`);
const root = new URL('..', import.meta.url).pathname;
const now = () => performance.timeOrigin + performance.now();

execFileSync(process.execPath, [join(root, 'scripts/ensure-build.mjs')], { stdio: 'inherit' });
const redis = await startRedis();
const prefix = randomPrefix();
const replica = await spawnReplica({
  REDIS_URL: redis.url,
  LOOPPAUSE_REDIS_PREFIX: prefix,
  LOOPPAUSE_MAX_WAITING_PER_KEY: String(WAITING),
});
const store = new RedisStore({ url: redis.url, prefix });
await store.connect();
const decider = await startDecider(redis.url, prefix);
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** Resident and heap bytes of the replica, read from the kernel and from its own metrics. */
async function replicaMemory(): Promise<{ rss: number; heap: number; waiting: number }> {
  const status = readFileSync(`/proc/${replica.child.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
  const metrics = await (await fetch(`${replica.url}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
  return { rss, heap: metric('nodejs_heap_size_used_bytes'), waiting: metric('looppause_waiting_checks') };
}

/** A waiting GET that resolves with the time its answer arrived, or NaN if it failed. */
function wait(pauseId: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${replica.url}/v1/pauses/${pauseId}?wait=50`,
      { agent, headers: { authorization: `Bearer ${TEST_API_KEY}` } },
      (res) => {
        const arrived = now();
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? arrived : Number.NaN));
      },
    );
    req.on('error', () => resolve(Number.NaN));
    req.end();
  });
}

try {
  const ids: string[] = [];
  const startMs = Date.now();
  for (let i = 0; i < WAITING; i += 500) {
    const batch = Array.from({ length: Math.min(500, WAITING - i) }, () => {
      const pause = pendingPause(startMs, 3_600_000, false);
      ids.push(pause.pause_id);
      return store.createPause({ pause, jobs: [] });
    });
    await Promise.all(batch);
  }
  // Warm the replica's paths, then take the idle baseline.
  await Promise.all(
    ids
      .slice(0, 200)
      .map((id) => fetch(`${replica.url}/v1/pauses/${id}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await replicaMemory();

  const arrivals = ids.map((id) => wait(id));
  const openedAt = Date.now();
  let held = idle;
  while (Date.now() - openedAt < 60_000) {
    held = await replicaMemory();
    if (held.waiting >= WAITING) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const openSeconds = (Date.now() - openedAt) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  held = await replicaMemory();

  // DECISIONS decisions spread evenly over one second, from another process (another Redis client).
  const decided = ids.slice(0, DECISIONS);
  const gapMs = 1000 / DECISIONS;
  const burstStart = now();
  const decidedAt = await Promise.all(
    decided.map(async (id, i) => {
      const due = burstStart + i * gapMs;
      while (now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - now())));
      return decider.decide(id);
    }),
  );
  const burstSeconds = (now() - burstStart) / 1000;
  const arrived = await Promise.all(arrivals.slice(0, DECISIONS));
  const latencies = arrived
    .map((t, i) => t - (decidedAt[i] ?? Number.NaN))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  const stillWaiting = (await replicaMemory()).waiting;

  out('');
  out(
    `LoopPause waiting long-polls (Node ${process.version}, one replica on Redis, 2 cores shared with Redis and the load generator)`,
  );
  out('');
  out('| figure | value | goal |');
  out('|---|---|---|');
  out(
    `| waiting GET /v1/pauses/:id?wait=50 held at once | ${held.waiting} of ${WAITING} (all open after ${openSeconds.toFixed(1)} s) | 10,000 |`,
  );
  out(
    `| replica memory per waiting poll (RSS delta / heap delta) | ${((held.rss - idle.rss) / WAITING / 1024).toFixed(1)} KB / ${((held.heap - idle.heap) / WAITING / 1024).toFixed(1)} KB | < 30 KB |`,
  );
  out(
    `| replica RSS idle → holding | ${(idle.rss / 1048576).toFixed(0)} MiB → ${(held.rss / 1048576).toFixed(0)} MiB | |`,
  );
  out(
    `| ${DECISIONS} decisions in ${burstSeconds.toFixed(2)} s, decision → answer arrived (n=${latencies.length}) | p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms | p99 < 100 ms |`,
  );
  out(`| still waiting afterwards (should be ${WAITING - DECISIONS}) | ${stillWaiting} | |`);
} finally {
  agent.destroy();
  await stopReplica(replica);
  await decider.stop();
  await store.close();
  await redis.stop();
}
