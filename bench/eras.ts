// npm run bench:eras — check_approval over /mcp in both protocol eras, side by side in one run:
// 2025-11-25 (the 1.x SDK server, as bench/core.ts measures it) and 2026-07-28 (the 2.x SDK server,
// per-request _meta envelope and the Mcp-* headers). Talks only to 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../test/helpers/service.js';
import { waitingChecks } from '../test/helpers/settled.js';
import { startDecider } from './decider-client.js';
import { closedLoop, percentile } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;
const WAKEUPS = Number(process.env.BENCH_WAKEUPS ?? 100);
const ROUNDS = 3;
const ERAS = ['2025-11-25', '2026-07-28'] as const;
type Era = (typeof ERAS)[number];

type RunResult = Awaited<ReturnType<typeof closedLoop>>;
const median = (runs: RunResult[]) =>
  [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as RunResult;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** A check_approval call as a client of that era sends it (no initialize: both eras are stateless here). */
function checkCall(era: Era, args: object): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${TEST_API_KEY}`,
  };
  const params: Record<string, unknown> = { name: 'check_approval', arguments: args };
  if (era === '2026-07-28') {
    Object.assign(headers, {
      'mcp-protocol-version': era,
      'mcp-method': 'tools/call',
      'mcp-name': 'check_approval',
    });
    params._meta = {
      'io.modelcontextprotocol/protocolVersion': era,
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
  }
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }) };
}

const redis = await startRedis();
const prefix = randomPrefix();
const outbox = mkdtempSync(join(tmpdir(), 'looppause-bench-outbox-'));
const running = await startTestService({
  REDIS_URL: redis.url,
  LOOPPAUSE_REDIS_PREFIX: prefix,
  LOOPPAUSE_OUTBOX_DIR: outbox,
});
const createPause = async (description: string) => {
  const res = await fetch(`${running.url}/v1/pauses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({ action_description: description, action_details: {}, recipient_email: 'a@example.com' }),
  });
  return ((await res.json()) as { pause_id: string }).pause_id;
};

try {
  // 1. Throughput: the same pending pause checked over and over, the eras alternating.
  const pauseId = await createPause('bench');
  const load = (era: Era) => ({
    url: `${running.url}/mcp`,
    ...checkCall(era, { pause_id: pauseId }),
    concurrency: CONCURRENCY,
  });
  for (const era of ERAS) await closedLoop({ ...load(era), seconds: 1 });
  const runs: Record<Era, RunResult[]> = { '2025-11-25': [], '2026-07-28': [] };
  for (let round = 0; round < ROUNDS; round++)
    for (const era of ERAS) runs[era].push(await closedLoop({ ...load(era), seconds: SECONDS }));

  // 2. Wake-up: a check_approval with wait_seconds held on /mcp, decided by another process on the
  // same Redis; the time from its decision to the answer arriving. The eras alternate.
  const decider = await startDecider(redis.url, prefix);
  const latencies: Record<Era, number[]> = { '2025-11-25': [], '2026-07-28': [] };
  for (let i = 0; i < WAKEUPS; i++) {
    for (const era of ERAS) {
      const id = await createPause(`wake ${era} ${i}`);
      const call = checkCall(era, { pause_id: id, wait_seconds: 30 });
      const waiting = fetch(`${running.url}/mcp`, { method: 'POST', ...call }).then(async (res) => {
        const arrived = performance.timeOrigin + performance.now();
        const text = await res.text();
        if (!text.includes('responded')) throw new Error(`${era}: the waiting check answered ${text.slice(0, 200)}`);
        return arrived;
      });
      await waitingChecks(running.url, 1);
      const decidedAt = await decider.decide(id);
      latencies[era].push((await waiting) - decidedAt);
    }
  }
  await decider.stop();

  out('');
  out(
    `check_approval over /mcp by protocol era (Node ${process.version}, ${CONCURRENCY} connections, median of ${ROUNDS} alternating ${SECONDS} s runs, Redis store; wake-up n=${WAKEUPS} each, decided by a second process)`,
  );
  for (const era of ERAS) out(`  ${era} runs: ${runs[era].map((r) => r.perSecond.toFixed(0)).join(', ')} calls/s`);
  out('');
  out('| era | check_approval throughput | wake-up decision → waiting check |');
  out('|---|---|---|');
  for (const era of ERAS) {
    const result = median(runs[era]);
    const sorted = [...latencies[era]].sort((a, b) => a - b);
    out(
      `| ${era} | ${result.perSecond.toFixed(0)} calls/s (${result.errors} errors) | p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? 0).toFixed(2)} ms |`,
    );
  }
  const ratio = median(runs['2026-07-28']).perSecond / median(runs['2025-11-25']).perSecond;
  out(`| ratio 2026-07-28 / 2025-11-25 | ${ratio.toFixed(2)} | |`);
} finally {
  await running.close();
  await redis.stop();
  rmSync(outbox, { recursive: true, force: true });
}
