/**
 * `npm run bench:ha`: Redis high availability, on real processes (a primary, a replica and three
 * sentinels on 127.0.0.1; three primaries with a replica each for the Cluster). Prints (1) with
 * `WAIT 1` (LOOPPAUSE_REDIS_MIN_REPLICAS=1) and without (0), side by side, alternating runs on one
 * Sentinel set: decision latency, an agent's read of a decided pause (its confirmation), and one
 * decision waking 200 waiting long-polls; (2) the failover window the clients see when the
 * deployment's primary is killed with SIGKILL under four deciders and a creator — from the first
 * failed call to the first success after it — over `BENCH_FAILOVERS` (3) fresh Sentinel sets and
 * as many fresh Clusters.
 */
import type { RunningService } from '../src/main.js';
import { slotOf } from '../src/store/redis-clients.js';
import { createPause } from '../test/helpers/email.js';
import { decideThroughFailover } from '../test/helpers/failover.js';
import { type FailoverTarget, startCluster, startSentinelSet } from '../test/helpers/redis-ha.js';
import { randomPrefix } from '../test/helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../test/helpers/service.js';
import { waitingChecks } from '../test/helpers/settled.js';
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

/** An agent's check_approval of a pause already decided, over REST: what the confirmation costs. */
async function readLatencies(service: RunningService, pauseId: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const res = await fetch(`${service.url}/v1/pauses/${pauseId}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const body = (await res.json()) as { status: string };
    times.push(performance.now() - start);
    if (body.status !== 'responded') throw new Error(`read answered ${res.status} ${body.status}`);
  }
  return times;
}

/** One decision, `waiters` long-polls on it: ms from the decision to the last long-poll's answer. */
async function fanOut(service: RunningService, waiters: number): Promise<number> {
  const pauseId = await createPause(service);
  const answered: number[] = [];
  const polls = Array.from({ length: waiters }, () =>
    fetch(`${service.url}/v1/pauses/${pauseId}?wait=30`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } }).then(
      async (res) => {
        const body = (await res.json()) as { status: string };
        if (body.status !== 'responded') throw new Error(`long-poll answered ${res.status} ${body.status}`);
        answered.push(performance.now());
      },
    ),
  );
  await waitingChecks(service.url, waiters);
  const start = performance.now();
  await service.service.decide(pauseId, {
    decision: 'approved',
    responder: 'bench@example.com',
    channel: 'web',
    identities: [],
  });
  await Promise.all(polls);
  return Math.max(...answered) - start;
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
      LOOPPAUSE_MAX_WAITING_PER_KEY: '1000',
    }),
    with: await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_REDIS_MIN_REPLICAS: '1',
      LOOPPAUSE_MAX_WAITING_PER_KEY: '1000',
    }),
  };
  try {
    await decisionLatencies(services.without, 50);
    await decisionLatencies(services.with, 50);
    const decided = {
      without: await createPause(services.without),
      with: await createPause(services.with),
    };
    for (const side of ['without', 'with'] as const) {
      await services[side].service.decide(decided[side], {
        decision: 'approved',
        responder: 'bench@example.com',
        channel: 'web',
        identities: [],
      });
    }
    const empty = () => ({ without: [] as number[], with: [] as number[] });
    const p50 = empty();
    const p99 = empty();
    const read50 = empty();
    const read99 = empty();
    const fan = empty();
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
        const times = sorted(await decisionLatencies(services[side], DECISIONS));
        p50[side].push(percentile(times, 50));
        p99[side].push(percentile(times, 99));
        const reads = sorted(await readLatencies(services[side], decided[side], DECISIONS));
        read50[side].push(percentile(reads, 50));
        read99[side].push(percentile(reads, 99));
        fan[side].push(await fanOut(services[side], 200));
        process.stderr.write(
          `round ${round + 1} ${side} WAIT: decide p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms; ` +
            `read p50 ${percentile(reads, 50).toFixed(2)} ms; 200 woken in ${fan[side].at(-1)?.toFixed(1)} ms\n`,
        );
      }
    }
    const row = (label: string, values: { without: number[]; with: number[] }) =>
      `| ${label} | ${median(values.without).toFixed(2)} ms | ${median(values.with).toFixed(2)} ms |`;
    return [
      `| median of ${ROUNDS} runs | without WAIT (MIN_REPLICAS=0) | with WAIT 1 (MIN_REPLICAS=1) |`,
      '|---|---|---|',
      row(`decision (the decide use case), p50 of ${DECISIONS}`, p50),
      row('decision, p99', p99),
      row(`agent reads a decided pause (\`GET /v1/pauses/:id\`), p50 of ${DECISIONS}`, read50),
      row('agent reads a decided pause, p99', read99),
      row('one decision → the last of 200 waiting long-polls answered', fan),
    ];
  } finally {
    await Promise.all([services.without.close(), services.with.close()]);
    await set.stop();
  }
}

interface Topology {
  target: FailoverTarget;
  url: string;
  stop(): Promise<void>;
}

async function failover(kind: 'sentinel' | 'cluster'): Promise<string[]> {
  const rows: string[] = [
    `**${kind === 'sentinel' ? 'Sentinel' : 'Cluster'}**`,
    '',
    '| run | kill → first failure | window: first failure → first success | decided | already_final (retry found it) | unavailable | creates 201 / 503 | other |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const windows: number[] = [];
  for (let run = 1; run <= FAILOVERS; run++) {
    const prefix = randomPrefix();
    let set: Topology;
    if (kind === 'sentinel') {
      const sentinels = await startSentinelSet();
      set = { target: sentinels, url: sentinels.url, stop: () => sentinels.stop() };
    } else {
      const cluster = await startCluster({ replicas: 1, slot: slotOf(`{${prefix}}:`) });
      set = { target: cluster, url: cluster.url, stop: () => cluster.stop() };
    }
    // MIN_REPLICAS 1 on both (the Sentinel default; a Cluster's default is 0).
    const service = await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: prefix,
      LOOPPAUSE_REDIS_MIN_REPLICAS: '1',
    });
    try {
      const pauses: string[] = [];
      for (let i = 0; i < 150; i++) pauses.push(await createPause(service));
      const result = await decideThroughFailover({
        service,
        set: set.target,
        pauses,
        beforeKill: 20,
        afterRecovery: 20,
      });
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

const lines = [...(await latency()), '', ...(await failover('sentinel')), '', ...(await failover('cluster'))];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
