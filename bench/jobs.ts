// npm run bench:jobs — how fast delivery jobs keep up, and what an idle memory store costs.
// Talks only to 127.0.0.1 and stops by itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../test/helpers/service.js';
import { percentile } from './load.js';
import { pendingPause, spawnReplica, stopReplica } from './replica.js';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const IDLE_PAUSES = Number(process.env.BENCH_IDLE_PAUSES ?? 100_000);
const out = (line: string) => process.stdout.write(`${line}\n`);
const root = new URL('..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function create(url: string, n: number): Promise<string | undefined> {
  const body = JSON.stringify({
    action_description: `bench ${n}`,
    action_details: {},
    recipient_email: 'a@example.com',
  });
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/pauses`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve(res.statusCode === 201 ? (JSON.parse(text) as { pause_id: string }).pause_id : undefined),
        );
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/** pause id → when its .eml was written (mtime), for every finished file in the outbox. */
function writtenAt(outbox: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const name of readdirSync(outbox)) {
    if (!name.endsWith('.eml')) continue;
    const path = join(outbox, name);
    const id = /pse_[a-z2-7]{26}/.exec(readFileSync(path, 'utf8'))?.[0];
    if (id) times.set(id, statSync(path).mtimeMs);
  }
  return times;
}

async function waitForMails(outbox: string, count: number, limitMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (readdirSync(outbox).filter((n) => n.endsWith('.eml')).length >= count) return;
    await sleep(100);
  }
}

execFileSync(process.execPath, [join(root, 'scripts/ensure-build.mjs')], { stdio: 'inherit' });
const redis = await startRedis();
try {
  // 1. A steady RATE creates/s: create → e-mail written.
  const steadyOutbox = mkdtempSync(join(tmpdir(), 'looppause-bench-jobs-'));
  const steady = await spawnReplica({
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
    LOOPPAUSE_OUTBOX_DIR: steadyOutbox,
  });
  const createdAt = new Map<string, number>();
  const total = RATE * STEADY_SECONDS;
  const start = Date.now();
  const creates: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const sentAt = Date.now();
    creates.push(
      create(steady.url, i).then((id) => {
        if (id) createdAt.set(id, sentAt);
      }),
    );
  }
  await Promise.all(creates);
  const achievedRate = total / ((Date.now() - start) / 1000);
  await waitForMails(steadyOutbox, createdAt.size, 60_000);
  const written = writtenAt(steadyOutbox);
  const latencies = [...createdAt].flatMap(([id, at]) => {
    const mailAt = written.get(id);
    return mailAt === undefined ? [] : [mailAt - at];
  });
  latencies.sort((a, b) => a - b);
  await stopReplica(steady);
  rmSync(steadyOutbox, { recursive: true, force: true });

  // 2. A burst of BURST creates as fast as 64 connections go: time until every e-mail is written.
  const burstOutbox = mkdtempSync(join(tmpdir(), 'looppause-bench-jobs-'));
  const burst = await spawnReplica({
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
    LOOPPAUSE_OUTBOX_DIR: burstOutbox,
  });
  const burstStart = Date.now();
  let next = 0;
  let createdCount = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < BURST) {
        if (await create(burst.url, next++)) createdCount++;
      }
    }),
  );
  const burstCreatedMs = Date.now() - burstStart;
  await waitForMails(burstOutbox, createdCount, 300_000);
  const lastMail = Math.max(...writtenAt(burstOutbox).values());
  const mailed = writtenAt(burstOutbox).size;
  await stopReplica(burst);
  rmSync(burstOutbox, { recursive: true, force: true });

  // 3. The embedded memory store holding IDLE_PAUSES pending pauses (with decision tokens), idle.
  const idle = await startTestService({ LOOPPAUSE_OUTBOX_DIR: join(tmpdir(), 'looppause-bench-idle') });
  const nowMs = Date.now();
  for (let i = 0; i < IDLE_PAUSES; i++) {
    const pause = pendingPause(nowMs, 3_600_000, false);
    await idle.store.createPause({ pause, jobs: [] });
    await idle.store.putDecisionToken(
      `token-${i}`,
      { pause_id: pause.pause_id, recipient: 'a@example.com' },
      nowMs + 3_600_000,
    );
  }
  await sleep(2000);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await sleep(10_000);
  const cpu = process.cpuUsage(cpuBefore);
  const idleCore = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
  await idle.close();

  out('');
  out(
    `LoopPause jobs benchmark (Node ${process.version}, one replica on Redis, e-mail to the outbox; 2 cores shared with Redis and the load generator)`,
  );
  out('');
  out('| figure | value | goal |');
  out('|---|---|---|');
  out(
    `| create → e-mail written at a steady ${RATE} creates/s (${achievedRate.toFixed(0)}/s achieved, ${STEADY_SECONDS} s, n=${latencies.length}) | p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms | p99 < 1000 ms |`,
  );
  out(`| burst of ${BURST} creates (64 connections): created in | ${(burstCreatedMs / 1000).toFixed(1)} s | |`);
  out(
    `| … every e-mail written after | ${((lastMail - burstStart) / 1000).toFixed(1)} s from the burst's start (${mailed} of ${createdCount}) | |`,
  );
  out(
    `| memory store idle with ${IDLE_PAUSES} pending pauses and tokens | ${(idleCore * 100).toFixed(2)} % of a core | ~0 |`,
  );
} finally {
  agent.destroy();
  await redis.stop();
}
