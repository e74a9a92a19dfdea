// npm run bench — prints figures for the core service (issue 2). Talks only to 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../test/helpers/service.js';
import { startBareSdkServer } from './bare-sdk-server.js';
import { startDecider } from './decider-client.js';
import { closedLoop, percentile } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;
const WAKEUPS = Number(process.env.BENCH_WAKEUPS ?? 200);
const PAUSES_FOR_MEMORY = 2000;
const ROUNDS = 3;

type RunResult = Awaited<ReturnType<typeof closedLoop>>;
const median = (runs: RunResult[]) =>
  [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as RunResult;

const out = (line: string) => process.stdout.write(`${line}\n`);
const mcpHeaders = (key?: string) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  ...(key ? { authorization: `Bearer ${key}` } : {}),
});
const toolCall = (name: string, args: object) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

const redis = await startRedis();
const prefix = randomPrefix();
// The pauses below have e-mail recipients: their .eml files go here and are removed at the end.
const outbox = mkdtempSync(join(tmpdir(), 'looppause-bench-outbox-'));
const running = await startTestService({
  REDIS_URL: redis.url,
  LOOPPAUSE_REDIS_PREFIX: prefix,
  LOOPPAUSE_OUTBOX_DIR: outbox,
});
const bare = await startBareSdkServer();
const rest = (path: string, init: RequestInit = {}) =>
  fetch(`${running.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
  });

try {
  // 1. check_approval throughput vs the SDK's naive stateless server.
  const created = (await (
    await rest('/v1/pauses', {
      method: 'POST',
      body: JSON.stringify({ action_description: 'bench', action_details: {}, recipient_email: 'a@example.com' }),
    })
  ).json()) as { pause_id: string };
  const lp = {
    url: `${running.url}/mcp`,
    headers: mcpHeaders(TEST_API_KEY),
    body: toolCall('check_approval', { pause_id: created.pause_id }),
    concurrency: CONCURRENCY,
  };
  const sdk = {
    url: `${bare.url}/mcp`,
    headers: mcpHeaders(),
    body: toolCall('constant', {}),
    concurrency: CONCURRENCY,
  };
  // Both servers and the load generator share one process (and its JIT): warm both, then
  // alternate the runs and take each side's median, so neither gains from going second.
  await closedLoop({ ...lp, seconds: 1 });
  await closedLoop({ ...sdk, seconds: 1 });
  const lpRuns: RunResult[] = [];
  const sdkRuns: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    lpRuns.push(await closedLoop({ ...lp, seconds: SECONDS }));
    sdkRuns.push(await closedLoop({ ...sdk, seconds: SECONDS }));
  }
  const lpResult = median(lpRuns);
  const sdkResult = median(sdkRuns);

  // 2. Wake-up latency across two processes.
  const decider = await startDecider(redis.url, prefix);
  const latencies: number[] = [];
  for (let i = 0; i < WAKEUPS; i++) {
    const { pause_id } = (await (
      await rest('/v1/pauses', {
        method: 'POST',
        body: JSON.stringify({ action_description: `wake ${i}`, action_details: {}, recipient_email: 'a@example.com' }),
      })
    ).json()) as { pause_id: string };
    const waiting = rest(`/v1/pauses/${pause_id}?wait=30`).then(async (res) => {
      const arrived = performance.timeOrigin + performance.now();
      await res.arrayBuffer();
      return arrived;
    });
    await new Promise((r) => setTimeout(r, 20));
    const decidedAt = await decider.decide(pause_id);
    latencies.push((await waiting) - decidedAt);
  }
  await decider.stop();
  latencies.sort((a, b) => a - b);

  // 3. Redis bytes per pending pause.
  const memPrefix = randomPrefix();
  const memService = await startTestService({
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: memPrefix,
    LOOPPAUSE_OUTBOX_DIR: outbox,
  });
  const probe = new Redis(redis.url);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))?.[1]);
  const before = await usedMemory();
  const realistic = {
    action_description:
      'Run the database migration 2026_11_25_add_invoice_index on the production cluster (eu-west-1).',
    action_details: { database: 'billing-prod', migration: '2026_11_25_add_invoice_index', estimated_lock: '4 s' },
    recipient_email: 'oncall@example.com',
  };
  for (let i = 0; i < PAUSES_FOR_MEMORY; i++) await memService.service.request('agent-a', realistic);
  const after = await usedMemory();
  await memService.close();
  await probe.quit();

  const ratio = lpResult.perSecond / sdkResult.perSecond;
  out('');
  out(
    `LoopPause benchmark (Node ${process.version}, ${CONCURRENCY} connections, median of ${ROUNDS} alternating ${SECONDS} s runs, Redis store)`,
  );
  out(`  LoopPause runs: ${lpRuns.map((r) => r.perSecond.toFixed(0)).join(', ')} calls/s`);
  out(`  bare SDK runs:  ${sdkRuns.map((r) => r.perSecond.toFixed(0)).join(', ')} calls/s`);
  out('');
  out('| figure | value | goal |');
  out('|---|---|---|');
  out(
    `| check_approval over /mcp (LoopPause, Redis) | ${lpResult.perSecond.toFixed(0)} calls/s (${lpResult.errors} errors) | |`,
  );
  out(
    `| constant tool, bare SDK stateless server | ${sdkResult.perSecond.toFixed(0)} calls/s (${sdkResult.errors} errors) | |`,
  );
  out(`| ratio LoopPause / bare SDK | ${ratio.toFixed(2)} | ≥ 1.0 |`);
  out(
    `| wake-up decision → waiting check, 2 processes (n=${latencies.length}) | p50 ${percentile(latencies, 50).toFixed(2)} ms, p95 ${percentile(latencies, 95).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(2)} ms | p99 < 50 ms |`,
  );
  out(
    `| Redis bytes per pending pause (${PAUSES_FOR_MEMORY} pauses, used_memory delta) | ${((after - before) / PAUSES_FOR_MEMORY).toFixed(0)} B | < 2048 B |`,
  );
} finally {
  await running.close();
  await new Promise<void>((resolve) => bare.server.close(() => resolve()));
  await redis.stop();
  rmSync(outbox, { recursive: true, force: true });
}
