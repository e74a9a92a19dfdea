// npm run bench:webhooks — webhook deliveries/s to a local receiver (1 and 3 replicas on one Redis)
// and decision → webhook received latency. Talks only to 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { webhooksCommand } from '../src/cli/webhooks.js';
import { parseConfig } from '../src/config.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { type ReplicaProcess, spawnReplica } from '../test/helpers/replica-process.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../test/helpers/service.js';
import { percentile } from './load.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 300);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Counts webhooks by id and remembers when each arrived; verifies one in 50 with the standardwebhooks library. */
async function receiver() {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  let secret = '';
  let verified = 0;
  let failedVerify = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) {
        arrivals.set(id, performance.now());
        waiters.get(id)?.();
      }
      if (arrivals.size % 50 === 0 && secret) {
        try {
          new Webhook(secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
          verified++;
        } catch {
          failedVerify++;
        }
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    /** Resolves when the webhook with this id has arrived (no polling: the service shares this process). */
    arrived: (id: string) => (arrivals.has(id) ? Promise.resolve() : new Promise<void>((r) => waiters.set(id, r))),
    setSecret: (s: string) => {
      secret = s;
    },
    stats: () => ({ verified, failedVerify }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function post(url: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function register(env: Record<string, string>, url: string, events: string): Promise<string> {
  const config = parseConfig({ ...env, LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET });
  if (!config.ok) throw new Error(config.errors.join());
  let printed = '';
  const code = await webhooksCommand(config.config, ['add', url, '--events', events], {
    out: (s) => {
      printed += s;
    },
    err: () => {},
  });
  if (code !== 0) throw new Error('could not register the endpoint');
  return (JSON.parse(printed) as { secret: string }).secret;
}

/** Creates `n` pauses (64 at a time, spread over the replicas) and waits for every `pause.created` webhook. */
async function burst(urls: string[], n: number, rx: Awaited<ReturnType<typeof receiver>>) {
  const before = rx.arrivals.size;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        const { status } = await post(urls[i % urls.length] as string, '/v1/pauses', {
          action_description: `bench ${i}`,
          action_details: {},
          recipient_email: 'ops@example.com',
        });
        if (status !== 201) throw new Error(`create answered ${status}`);
      }
    }),
  );
  const created = performance.now();
  const deadline = Date.now() + 300_000;
  while (rx.arrivals.size - before < n) {
    if (Date.now() > deadline) throw new Error(`only ${rx.arrivals.size - before} of ${n} webhooks arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const done = Math.max(...[...rx.arrivals.values()].slice(before));
  return { createSeconds: (created - started) / 1000, totalSeconds: (done - started) / 1000 };
}

async function main() {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'looppause-bench-webhooks-'));
  const rx = await receiver();
  try {
    // 1 replica, in this process.
    {
      const env = {
        REDIS_URL: redis.url,
        LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
        LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
        LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox1'),
      };
      const running = await startTestService(env, { defaultMetrics: false });
      rx.setSecret(await register(env, rx.url, 'pause.created,pause.decided'));
      const { createSeconds, totalSeconds } = await burst([running.url], EVENTS, rx);
      out(
        `1 replica: ${EVENTS} pause.created webhooks in ${totalSeconds.toFixed(2)} s → ${(EVENTS / totalSeconds).toFixed(0)} deliveries/s ` +
          `(creates took ${createSeconds.toFixed(2)} s; each create also writes an e-mail)`,
      );

      // Decision → webhook received, one decision at a time.
      const latencies: number[] = [];
      for (let i = 0; i < DECISIONS; i++) {
        const { json } = await post(running.url, '/v1/pauses', {
          action_description: `decide ${i}`,
          action_details: {},
          recipient_email: 'ops@example.com',
        });
        const pauseId = json.pause_id as string;
        await new Promise((r) => setTimeout(r, 5));
        const t0 = performance.now();
        await running.service.decide(pauseId, {
          decision: 'approved',
          responder: 'ops@example.com',
          channel: 'email',
          identities: ['ops@example.com'],
        });
        const id = `msg_${pauseId}.decided`;
        await rx.arrived(id);
        latencies.push((rx.arrivals.get(id) as number) - t0);
      }
      latencies.sort((a, b) => a - b);
      out(
        `decision → pause.decided webhook received (1 replica, ${DECISIONS} decisions one at a time): ` +
          `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
      );
      await running.close();
    }

    // 3 replica processes on the same Redis.
    {
      const env = {
        REDIS_URL: redis.url,
        LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
        LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
        LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox3'),
        LOG_LEVEL: 'error',
      };
      const replicas: ReplicaProcess[] = [];
      for (let i = 0; i < 3; i++) replicas.push(await spawnReplica(env));
      try {
        rx.setSecret(await register(env, rx.url, 'pause.created'));
        const { createSeconds, totalSeconds } = await burst(
          replicas.map((r) => r.url),
          EVENTS,
          rx,
        );
        out(
          `3 replicas: ${EVENTS} pause.created webhooks in ${totalSeconds.toFixed(2)} s → ${(EVENTS / totalSeconds).toFixed(0)} deliveries/s ` +
            `(creates took ${createSeconds.toFixed(2)} s)`,
        );
      } finally {
        await Promise.all(replicas.map((r) => r.stop()));
      }
    }
    const { verified, failedVerify } = rx.stats();
    out(`receiver: ${verified} sampled webhooks verified with standardwebhooks, ${failedVerify} failed`);
  } finally {
    await rx.close();
    agent.destroy();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
