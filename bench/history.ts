// npm run bench:history — the dashboard's History page at 100,000 finished pauses: seeds the store
// (Redis, and the embedded memory store), signs in an admin and an approver, and times the page
// end to end over HTTP (p50/p95): the newest page, an older page by cursor, filters, text search,
// and a non-admin's view (filtered to what they may see). Talks only to 127.0.0.1 and stops by itself.
import { secretHash } from '../src/dashboard/security.js';
import { newSecretToken } from '../src/domain/ids.js';
import type { RunningService } from '../src/main.js';
import type { Store } from '../src/store/store.js';
import { pauseAt, responseFor } from '../test/helpers/pauses.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { startTestService } from '../test/helpers/service.js';
import { percentile } from './load.js';

const PAUSES = Number(process.env.BENCH_PAUSES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const out = (line: string) => process.stdout.write(`${line}\n`);

async function seed(store: Store): Promise<void> {
  const start = Date.now();
  const span = 6 * 86_400_000;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= PAUSES) return;
      const createdMs = start - span + Math.floor((i / PAUSES) * span);
      const pause = pauseAt(
        createdMs,
        {
          agent_id: `agent-${i % 10}`,
          ...(i % 3 === 0 ? { policy_rule: `rule-${i % 7}` } : {}),
          request: {
            action_description: `Refund order ${i} for customer ${i % 977}`,
            action_details: { order: `ord_${i}`, amount: String((i % 500) + 1) },
            recipient_email: i % 5 === 0 ? 'ada@example.com' : `ops${i % 13}@example.com`,
            timeout_hours: 1,
            response_fields: [],
          },
        },
        3_600_000,
      );
      await store.createPause({ pause, jobs: [] });
      if (i % 10 === 9) await store.cancel(pause.pause_id, 'not needed', createdMs + 1000);
      else
        await store.endByPolicy(
          pause.pause_id,
          responseFor(pause, i % 4 === 0 ? 'rejected' : 'approved'),
          createdMs + 1000,
        );
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  out(`  seeded ${PAUSES} finished pauses in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

async function session(running: RunningService, email: string): Promise<string> {
  const id = newSecretToken();
  await running.dashboard.sessions.putSession(
    secretHash(id),
    { email, csrf: newSecretToken(), created_at: Date.now() },
    3_600_000,
    Date.now(),
  );
  return `lp_dash=${id}`;
}

async function time(
  running: RunningService,
  cookie: string,
  path: string,
): Promise<{ p50: number; p95: number; rows: number }> {
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const res = await fetch(`${running.url}${path}`, { headers: { cookie } });
    const body = await res.text();
    samples.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    rows = (body.match(/<tr><td><a href="\/dashboard\/pauses\//g) ?? []).length;
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), rows };
}

async function measure(label: string, running: RunningService): Promise<void> {
  await seed(running.store);
  const admin = await session(running, 'boss@example.com');
  const user = await session(running, 'ada@example.com');
  // An older page: follow the cursor four times.
  let cursorPath = '/dashboard/history';
  for (let i = 0; i < 4; i++) {
    const body = await (await fetch(`${running.url}${cursorPath}`, { headers: { cookie: admin } })).text();
    const href = /href="(\/dashboard\/history\?[^"]*cursor=[^"]+)" rel="next"/.exec(body)?.[1];
    if (!href) break;
    cursorPath = href.replaceAll('&amp;', '&');
  }
  const cases: [string, string, string][] = [
    ['newest page (50 rows), admin', admin, '/dashboard/history'],
    ['5th page by cursor, admin', admin, cursorPath],
    ['status=responded&agent=agent-3', admin, '/dashboard/history?status=responded&agent=agent-3'],
    ['channel=slack&rule=rule-3', admin, '/dashboard/history?channel=slack&rule=rule-3'],
    ['text search "customer 42"', admin, `/dashboard/history?q=${encodeURIComponent('customer 42')}`],
    ['non-admin (sees 1 in 5)', user, '/dashboard/history'],
  ];
  out(`${label}, ${PAUSES} finished pauses, ${RUNS} sequential requests each:`);
  for (const [name, cookie, path] of cases) {
    const r = await time(running, cookie, path);
    out(`  ${name.padEnd(34)} p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  (${r.rows} rows)`);
  }
}

async function main(): Promise<void> {
  const env = { LOOPPAUSE_DASHBOARD_ADMINS: 'boss@example.com', LOOPPAUSE_DASHBOARD_USERS: 'ada@example.com' };
  const which = process.env.BENCH_STORE ?? 'both';
  if (which !== 'redis') {
    const memory = await startTestService(env);
    try {
      await measure('memory store', memory);
    } finally {
      await memory.close();
    }
  }
  if (which !== 'memory') {
    const redis = await startRedis();
    const running = await startTestService({ ...env, REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() });
    try {
      await measure('Redis store', running);
    } finally {
      await running.close();
      await redis.stop();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
