// npm run bench:timers — how late reminder jobs run when BENCH_TIMERS (10,000) come due at nearly
// the same moment on one Redis. Pauses are written straight into the RedisStore with their
// `slack.remind` job (as request_approval stores them); one JobRunner — the replica's own loop, with
// its default concurrency and lease — runs them with a recording handler that reads the pause as
// the real one does and notes when it ran. Talks only to 127.0.0.1 and stops by itself.
import { pino } from 'pino';
import { JobKind, jobId } from '../src/jobs/job-kinds.js';
import { JobRunner } from '../src/jobs/job-runner.js';
import { RedisStore } from '../src/store/redis-store.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { percentile } from './load.js';
import { pendingPause } from './replica.js';

const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000);
/** The due times spread over this window: "nearly the same time". */
const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 1000);
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 1);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = await startRedis();
const prefix = randomPrefix();
const store = new RedisStore({ url: redis.url, prefix });
await store.connect();
const runnerStores: RedisStore[] = [];
const runners: JobRunner[] = [];
try {
  // 1. Write the pauses: each with one reminder due in [due, due + SPREAD_MS). A sample sets the lead time.
  const remindAfterMs = 60_000;
  const write = async (dueMs: number) => {
    const createdMs = dueMs - remindAfterMs;
    const pause = pendingPause(createdMs, 3_600_000, true);
    pause.plan = { quorum: 2, remind_after_ms: [remindAfterMs], escalate: [], on_timeout: 'timed_out' };
    const job = {
      id: jobId(JobKind.slackRemind, pause.pause_id, 0),
      kind: JobKind.slackRemind,
      data: { pause_id: pause.pause_id, step: 0 },
      run_at: dueMs,
    };
    await store.createPause({ pause, jobs: [job] });
    return [pause.pause_id, dueMs] as const;
  };
  const probeStart = Date.now();
  await Promise.all(Array.from({ length: 200 }, () => write(Date.now() + 3_600_000)));
  const perWriteMs = (Date.now() - probeStart) / 200;
  const leadMs = Math.max(5000, Math.ceil(perWriteMs * TIMERS * 2) + 3000);
  const dueFrom = Date.now() + leadMs;
  const dueAt = new Map<string, number>();
  for (let i = 0; i < TIMERS; i += 200) {
    const batch = Array.from({ length: Math.min(200, TIMERS - i) }, (_, k) =>
      write(dueFrom + ((i + k) * SPREAD_MS) / TIMERS),
    );
    for (const [id, due] of await Promise.all(batch)) dueAt.set(id, due);
  }
  if (Date.now() >= dueFrom) throw new Error('writing the pauses took longer than the lead time');

  // 2. The runners (each its own Redis connection, as a replica has), started before the due time.
  const ranAt = new Map<string, number>();
  let extra = 0;
  for (let r = 0; r < RUNNERS; r++) {
    const own = new RedisStore({ url: redis.url, prefix });
    await own.connect();
    runnerStores.push(own);
    const runner = new JobRunner({ store: own, logger: pino({ level: 'silent' }) });
    runner.on(JobKind.slackRemind, async (job) => {
      const at = Date.now();
      const pause = await own.getPause(job.data.pause_id);
      if (pause?.status !== 'pending') return;
      if (ranAt.has(job.data.pause_id)) extra++;
      else ranAt.set(job.data.pause_id, at);
    });
    runner.start();
    runners.push(runner);
  }
  const deadline = dueFrom + SPREAD_MS + 120_000;
  while (ranAt.size < dueAt.size && Date.now() < deadline) await sleep(50);
  await sleep(1000);

  const late: number[] = [];
  for (const [id, due] of dueAt) {
    const at = ranAt.get(id);
    if (at !== undefined) late.push(at - due);
  }
  late.sort((a, b) => a - b);
  const lastRun = Math.max(...ranAt.values());
  out('');
  out('| figure | value |');
  out('|---|---|');
  out(
    `| reminders run (of ${TIMERS} due within ${SPREAD_MS} ms, ${RUNNERS} runner${RUNNERS === 1 ? '' : 's'}, one Redis) | ${ranAt.size}, ${extra} ran twice |`,
  );
  out(
    `| lateness: run − due | p50 ${percentile(late, 50).toFixed(0)} ms, p99 ${percentile(late, 99).toFixed(0)} ms, max ${late.at(-1)?.toFixed(0)} ms |`,
  );
  out(`| all ${TIMERS} run by | ${(lastRun - (dueFrom + SPREAD_MS)).toFixed(0)} ms after the last came due |`);
} finally {
  await Promise.all(runners.map((r) => r.stop()));
  await Promise.all(runnerStores.map((s) => s.close()));
  await store.close();
  await redis.stop();
}
