/**
 * `npm run bench:ha`: Redis high availability, on real processes (a primary, a replica and three
 * sentinels on 127.0.0.1). Prints (1) decision latency with `WAIT 1` (LOOPPAUSE_REDIS_MIN_REPLICAS=1)
 * and without (0), side by side, alternating runs on one Sentinel set; (2) the failover window the
 * clients see when the primary is killed with SIGKILL under four deciders and a creator: from the
 * first failed call to the first success after it, over `BENCH_FAILOVERS` (3) fresh sets.
 */
import type { RunningService } from '../src/main.js';
import { createPause } from '../test/helpers/email.js';
import { decideThroughFailover } from '../test/helpers/failover.js';
import { startSentinelSet } from '../test/helpers/redis-ha.js';
import { randomPrefix } from '../test/helpers/redis-server.js';
import { startTestService } from '../test/helpers/service.js';
import { percentile } from './load.js';

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 300);
const ROUNDS = 5;
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);

async function decisionLatencies(service: RunningService, count: number): Promise<number[]> {
  const pauses: string[] = [];
  for (let i = 0; i < count; i++) pauses.push(await createPause(service));
  const times: number[] = [];
  for (const pauseId of pauses) {
    const start = performance.now();
    const result = await service.service.decide(pauseId, {
      decision: 'approved',
      responder: 'bench@example.com',
      channel: 'web',
      identities: [],
    });
    times.push(performance.now() - start);
    if (result.outcome !== 'decided') throw new Error(`decide answered ${result.outcome}`);
  }
  return times;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => percentile(sorted(values), 50);

async function latency(): Promise<string[]> {
  const set = await startSentinelSet();
  const services = {
    without: await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_REDIS_MIN_REPLICAS: '0',
    }),
    with: await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_REDIS_MIN_REPLICAS: '1',
    }),
  };
  try {
    await decisionLatencies(services.without, 50);
    await decisionLatencies(services.with, 50);
    const p50 = { without: [] as number[], with: [] as number[] };
    const p99 = { without: [] as number[], with: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
        const times = sorted(await decisionLatencies(services[side], DECISIONS));
        p50[side].push(percentile(times, 50));
        p99[side].push(percentile(times, 99));
        process.stderr.write(
          `round ${round + 1} ${side} WAIT: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms\n`,
        );
      }
    }
    return [
      `| decision (the decide use case) | without WAIT (MIN_REPLICAS=0) | with WAIT 1 (MIN_REPLICAS=1) |`,
      '|---|---|---|',
      `| p50, median of ${ROUNDS} runs × ${DECISIONS} | ${median(p50.without).toFixed(2)} ms | ${median(p50.with).toFixed(2)} ms |`,
      `| p99, median of ${ROUNDS} runs | ${median(p99.without).toFixed(2)} ms | ${median(p99.with).toFixed(2)} ms |`,
    ];
  } finally {
    await Promise.all([services.without.close(), services.with.close()]);
    await set.stop();
  }
}

async function failover(): Promise<string[]> {
  const rows: string[] = [
    '| run | kill → first failure | window: first failure → first success | decided | already_final (retry found it) | unavailable | creates 201 / 503 | other |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const windows: number[] = [];
  for (let run = 1; run <= FAILOVERS; run++) {
    const set = await startSentinelSet();
    const service = await startTestService({ REDIS_URL: set.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() });
    try {
      const pauses: string[] = [];
      for (let i = 0; i < 150; i++) pauses.push(await createPause(service));
      const result = await decideThroughFailover({ service, set, pauses, beforeKill: 20, afterRecovery: 20 });
      const seen = Object.fromEntries(result.seen);
      const known = ['decided', 'already_final', 'unavailable', 'create 201', 'create 503'];
      const other = [...result.seen].filter(([k]) => !known.includes(k)).map(([k, n]) => `${k}: ${n}`);
      if (result.windowMs !== null) windows.push(result.windowMs);
      rows.push(
        `| ${run} | ${result.firstFailureAfterKillMs ?? '–'} ms | ${result.windowMs ?? '–'} ms | ${seen.decided ?? 0} | ` +
          `${seen.already_final ?? 0} | ${seen.unavailable ?? 0} | ${seen['create 201'] ?? 0} / ${seen['create 503'] ?? 0} | ${other.join(', ') || 'none'} |`,
      );
    } finally {
      await service.close();
      await set.stop();
    }
  }
  rows.push(
    '',
    `median window: ${windows.length ? median(windows).toFixed(0) : '–'} ms over ${windows.length} failovers`,
  );
  return rows;
}

const lines = [...(await latency()), '', ...(await failover())];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
