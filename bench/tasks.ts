// npm run bench:tasks — MCP tasks (issue 15): how soon tasks/result returns after a human decides on
// another replica. Two replica processes on one Redis; the task is created on one, its tasks/result
// waits on the other, and the decision comes from a third process (this one, on its own Redis
// connection), as a click on any replica would. Talks only to 127.0.0.1 and stops by itself.
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { RedisStore } from '../src/store/redis-store.js';
import { RedisTaskStore } from '../src/store/redis-tasks.js';
import { ApprovalService } from '../src/use-cases/approval-service.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../test/helpers/service.js';
import { percentile } from './load.js';
import { stopReplica } from './replica.js';
import { spawnSourceReplica } from './source-replica.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const out = (line: string) => process.stdout.write(`${line}\n`);
const root = new URL('..', import.meta.url).pathname;

const redis = await startRedis();
const prefix = randomPrefix();

/** A replica from the sources (tsx), production mode, on a free port, on the shared Redis. */
const startReplica = () =>
  spawnSourceReplica({
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: prefix,
    LOOPPAUSE_OUTBOX_DIR: join(root, '.looppause', 'bench-outbox'),
  });

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let nextId = 0;
function rpc(url: string, method: string, params: unknown): Promise<Record<string, unknown>> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method, params });
  const target = new URL('/mcp', url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${TEST_API_KEY}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const message = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
          if (message.error) reject(new Error(JSON.stringify(message.error)));
          else resolve(message.result as Record<string, unknown>);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const replicas = [await startReplica(), await startReplica()];
const [a, b] = replicas.map((r) => r.url) as [string, string];
const store = new RedisStore({ url: redis.url, prefix });
await store.connect();
const tasks = new RedisTaskStore(store.connection);
const decider = new ApprovalService({
  store,
  signingSecret: TEST_SIGNING_SECRET,
  slackEnabled: false,
  emailFallbackAfterMs: 0,
});

const args = {
  action_description: 'Apply the Terraform plan for the production VPC',
  action_details: { workspace: 'prod-network', plan: 'tfplan-8812' },
  recipient_email: 'oncall@example.com',
};
const wake = { task: [] as number[], check: [] as number[], decide: [] as number[] };
try {
  for (let i = 0; i < RUNS + 20; i++) {
    // Alternate: a tasks/result wait, then a check_approval wait, under the same conditions.
    const asTask = i % 2 === 0;
    const [createOn, waitOn] = i % 4 < 2 ? [a, b] : [b, a];
    let pauseId: string;
    let wait: () => Promise<Record<string, unknown>>;
    if (asTask) {
      const created = await rpc(createOn, 'tools/call', { name: 'request_approval', arguments: args, task: {} });
      const taskId = (created.task as { taskId: string }).taskId;
      const task = await rpc(waitOn, 'tasks/get', { taskId });
      if (task.status !== 'working') throw new Error(`expected working, got ${String(task.status)}`);
      pauseId = (await tasks.getTask('bench', taskId))?.pause_id as string;
      wait = () => rpc(waitOn, 'tasks/result', { taskId });
    } else {
      const created = await rpc(createOn, 'tools/call', { name: 'request_approval', arguments: args });
      pauseId = (created.structuredContent as { pause_id: string }).pause_id;
      wait = () =>
        rpc(waitOn, 'tools/call', { name: 'check_approval', arguments: { pause_id: pauseId, wait_seconds: 50 } });
    }
    const waiting = wait().then((result) => {
      const view = result.structuredContent as { status: string };
      if (view.status !== 'responded') throw new Error(`expected responded, got ${view.status}`);
      return performance.now();
    });
    // Let the waiting call reach its replica and start waiting.
    await new Promise((r) => setTimeout(r, 15));
    const decidedAt = performance.now();
    await decider.decide(pauseId, {
      decision: 'approved',
      responder: 'bench@example.com',
      channel: 'web',
      identities: [],
    });
    const committedAt = performance.now();
    const returnedAt = await waiting;
    if (i < 20) continue; // warm-up
    (asTask ? wake.task : wake.check).push(returnedAt - decidedAt);
    wake.decide.push(committedAt - decidedAt);
  }
  for (const list of Object.values(wake)) list.sort((x, y) => x - y);
  const fmt = (list: number[]) =>
    `p50 ${percentile(list, 50).toFixed(2)} ms, p99 ${percentile(list, 99).toFixed(2)} ms (n=${list.length})`;
  out('| figure | value |');
  out('|---|---|');
  out(`| tasks/result wake-up: decision in another process → result on another replica | ${fmt(wake.task)} |`);
  out(`| check_approval (wait_seconds 50) wake-up, same conditions, interleaved | ${fmt(wake.check)} |`);
  out(`| the decision itself (decide call, inside both figures above) | ${fmt(wake.decide)} |`);
} finally {
  await store.close();
  await Promise.all(replicas.map(stopReplica));
  agent.destroy();
  await redis.stop();
}
