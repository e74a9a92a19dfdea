// npm run bench:audit — what the audit log costs and how fast it verifies. Talks only to 127.0.0.1 and stops by itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditBody } from '../src/domain/audit/events.js';
import { RedisStore } from '../src/store/redis-store.js';
import { verifyAuditLog } from '../src/use-cases/verify-audit.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY } from '../test/helpers/service.js';
import { closedLoop } from './load.js';
import { type Replica, stopReplica } from './replica.js';
import { spawnSourceReplica } from './source-replica.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 100_000);
/** The tree without the audit log to compare against: the commit before it landed. */
const BASELINE = process.env.BENCH_BASELINE ?? '9211422^';
const root = new URL('..', import.meta.url).pathname;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** `looppause serve` from a source tree, on the Redis store (its own prefix). */
const serve = (tree: string, redisUrl: string) =>
  spawnSourceReplica(
    {
      REDIS_URL: redisUrl,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_OUTBOX_DIR: join(tmpdir(), 'looppause-bench-audit-outbox'),
    },
    tree,
  );

const redis = await startRedis();
const worktree = mkdtempSync(join(tmpdir(), 'looppause-bench-audit-'));
rmSync(worktree, { recursive: true });
execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', worktree, BASELINE], { stdio: 'ignore' });
if (!existsSync(join(worktree, 'node_modules')))
  symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'));
const services: Replica[] = [];
try {
  const before = await serve(worktree, redis.url);
  services.push(before);
  const after = await serve(root, redis.url);
  services.push(after);
  const body = JSON.stringify({
    action_description: 'Rotate the prod database password',
    action_details: { db: 'main', region: 'eu-west-1' },
    recipient_email: 'ops@example.com',
  });
  const load = (url: string, seconds: number) =>
    closedLoop({
      url: `${url}/v1/pauses`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body,
      concurrency: 16,
      seconds,
      expectStatus: 201,
    });
  await load(before.url, 1);
  await load(after.url, 1);
  const without: number[] = [];
  const withAudit: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    without.push((await load(before.url, SECONDS)).perSecond);
    withAudit.push((await load(after.url, SECONDS)).perSecond);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const a = median(without);
  const b = median(withAudit);

  // Seal and verify speed: ENTRIES entries written as the scripts write them but not yet sealed
  // (a backlog, as after every replica was down), sealed, then the whole log walked.
  const store = new RedisStore({ url: redis.url, prefix: randomPrefix() });
  await store.connect();
  const data = { decision: 'approved', channel: 'slack', note: 'x'.repeat(120) };
  for (let seq = 1; seq <= ENTRIES; seq += 1000) {
    const pipeline = store.redis.pipeline();
    for (let n = seq; n < Math.min(seq + 1000, ENTRIES + 1); n++) {
      const body = auditBody({
        seq: n,
        atMs: Date.now(),
        type: 'pause.decided',
        pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
        actor: 'ada@example.com',
        data,
      });
      pipeline.xadd(store.keys.audit, '*', 'e', body);
    }
    await pipeline.exec();
  }
  await store.redis.set(store.keys.auditSeq, ENTRIES);
  const sealStarted = performance.now();
  // The store's own background sealer may take part: done when the head reaches the last entry.
  while ((await store.auditHead()).seq < ENTRIES) await store.sealAudit(ENTRIES);
  const sealMs = performance.now() - sealStarted;
  const verifyStarted = performance.now();
  const verdict = await verifyAuditLog(store);
  const verifyMs = performance.now() - verifyStarted;
  await store.close();
  if (!verdict.ok) throw new Error(`the bench log did not verify: ${verdict.reason}`);

  out('');
  out(`LoopPause audit benchmark (Node ${process.version}; Redis store; one replica per tree on one redis-server)`);
  out('');
  out('| figure | value | goal |');
  out('|---|---|---|');
  out(
    `| POST /v1/pauses before the audit log (${BASELINE}; median of ${ROUNDS} × ${SECONDS} s, 16 connections) | ${a.toFixed(0)} creates/s (runs ${without.map((x) => x.toFixed(0)).join(', ')}) | |`,
  );
  out(
    `| … with the audit log (this tree), same run | ${b.toFixed(0)} creates/s (runs ${withAudit.map((x) => x.toFixed(0)).join(', ')}) | |`,
  );
  out(`| cost of the audit log on request_approval | ${((1 - b / a) * 100).toFixed(1)} % | < 10 % |`);
  out(
    `| sealing ${ENTRIES.toLocaleString('en')} entries into the chain | ${(ENTRIES / (sealMs / 1000)).toFixed(0)} entries/s | |`,
  );
  out(
    `| audit verify over ${verdict.checked.toLocaleString('en')} entries | ${(verdict.checked / (verifyMs / 1000)).toFixed(0)} entries/s (${(verifyMs / 1000).toFixed(1)} s) | |`,
  );
  out('');
  out('Both trees run on the same 2 cores as the load generator and Redis; rounds alternate so drift hits both alike.');
} finally {
  await Promise.all(services.map(stopReplica));
  execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', worktree], { stdio: 'ignore' });
  await redis.stop();
}
