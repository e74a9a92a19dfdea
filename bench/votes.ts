// npm run bench:votes — quorum votes on one Redis through three replicas, and how soon the deciding
// vote reaches the waiting agent. Every vote is a signed Slack click into a replica's Bolt (the real
// surface), answered by a local fake Slack Web API. Talks only to 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionId } from '../src/slack/ids.js';
import { RedisStore } from '../src/store/redis-store.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../test/helpers/fake-slack.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY } from '../test/helpers/service.js';
import { SLACK_SIGNING_SECRET, sendClick } from '../test/helpers/slack-requests.js';
import { percentile } from './load.js';
import { type Replica, stopReplica } from './replica.js';
import { spawnSourceReplica } from './source-replica.js';

const HUMANS = Number(process.env.BENCH_HUMANS ?? 20);
const COUNTED_PAUSES = Number(process.env.BENCH_COUNTED_PAUSES ?? 100);
const DECIDED_PAUSES = Number(process.env.BENCH_DECIDED_PAUSES ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

const CHANNEL = '#bench-votes';
const humans = Array.from({ length: HUMANS }, (_, i) => ({
  slack: `U0BV${String(i).padStart(5, '0')}`,
  email: `human${i}@example.com`,
}));
const POLICY = `
rules:
  - name: many
    when: { action: "Many *" }
    route: { slack: "${CHANNEL}" }
    approvers: [${humans.map((h) => h.email).join(', ')}]
    quorum: ${HUMANS}
  - name: pair
    when: { action: "Pair *" }
    route: { slack: "${CHANNEL}" }
    approvers: [${humans.map((h) => h.email).join(', ')}]
    quorum: 2
`;

const redis = await startRedis();
const fake = await new FakeSlack().start();
fake.members.set(
  channelIdFor(CHANNEL),
  humans.map((h) => h.slack),
);
for (const h of humans) fake.emails.set(h.slack, h.email);

// Each ephemeral answer (a counted vote's notice) is told to whoever waits for that (channel, user).
const waiters = new Map<string, () => void>();
const push = fake.calls.push.bind(fake.calls);
fake.calls.push = (...calls: SlackCall[]) => {
  for (const call of calls) {
    if (call.method !== 'chat.postEphemeral') continue;
    const key = `${call.body.channel}|${call.body.user}`;
    waiters.get(key)?.();
    waiters.delete(key);
  }
  return push(...calls);
};

const dir = mkdtempSync(join(tmpdir(), 'looppause-bench-votes-'));
const policyFile = join(dir, 'policy.yaml');
writeFileSync(policyFile, POLICY);
const prefix = randomPrefix();
const store = new RedisStore({ url: redis.url, prefix });
await store.connect();
let replicas: Replica[] = [];
try {
  const env = {
    REDIS_URL: redis.url,
    LOOPPAUSE_REDIS_PREFIX: prefix,
    LOOPPAUSE_POLICY_FILE: policyFile,
    LOOPPAUSE_MAX_WAITING_PER_KEY: '100000',
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox'),
  };
  replicas = await Promise.all([spawnSourceReplica(env), spawnSourceReplica(env), spawnSourceReplica(env)]);
  const at = (i: number) => replicas[i % replicas.length] as Replica;

  const create = async (i: number, action: string): Promise<string> => {
    const res = await fetch(`${at(i).url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: `${action} ${i}`, action_details: { n: String(i) } }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { pause_id: string }).pause_id;
  };
  const createPosted = async (count: number, action: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 32) {
      const batch = Array.from({ length: Math.min(32, count - i) }, (_, k) => create(i + k, action));
      ids.push(...(await Promise.all(batch)));
    }
    for (const id of ids) {
      for (;;) {
        if ((await store.getPause(id))?.delivery.slack?.state === 'posted') break;
        await sleep(20);
      }
    }
    return ids;
  };
  /** A click; resolves when its ephemeral notice arrives (the vote counted), answered in `channel`. */
  const vote = (replica: number, pauseId: string, userId: string, channel: string) => {
    const key = `${channel}|${userId}`;
    const answered = new Promise<void>((resolve) => waiters.set(key, resolve));
    const sent = sendClick(at(replica).url, {
      actionId: ActionId.approve,
      value: pauseId,
      userId,
      channel,
      responseUrl: fake.responseUrl(`v-${replica}`),
    });
    return Promise.all([sent, answered]);
  };
  const workers = async (count: number, work: (worker: number) => Promise<void>) => {
    await Promise.all(Array.from({ length: count }, (_, w) => work(w)));
  };

  // 1. Counted votes: pauses asking all HUMANS to approve, every human votes once on each but one
  //    (so every vote is counted and none decides). Votes on different pauses and the same pause mix.
  const many = await createPosted(COUNTED_PAUSES, 'Many');
  const tasks: Array<{ pause: string; human: number }> = [];
  for (let h = 0; h < HUMANS - 1; h++) for (const pause of many) tasks.push({ pause, human: h });
  // Warm-up: each replica has looked up every human and the channel once (users.info is cached).
  const warm = await createPosted(1, 'Many');
  for (let h = 0; h < HUMANS - 1; h++) {
    const human = humans[h] as (typeof humans)[number];
    await vote(h, warm[0] as string, human.slack, 'C0WARM');
  }
  let next = 0;
  const countedStart = now();
  await workers(CONCURRENCY, async (w) => {
    const channel = `C0BW${String(w).padStart(4, '0')}`;
    for (let t = next++; t < tasks.length; t = next++) {
      const task = tasks[t] as (typeof tasks)[number];
      await vote(t, task.pause, (humans[task.human] as (typeof humans)[number]).slack, channel);
    }
  });
  const countedSeconds = (now() - countedStart) / 1000;
  const sample = await store.getPause(many[0] as string);
  if ((sample?.votes ?? []).length !== HUMANS - 1) throw new Error('a counted vote went missing');

  // 2. Deciding votes: quorum-2 pauses with one approval in; the agent waits on one replica
  //    (GET ?wait=50) while the second human's click goes to another.
  const pairs = await createPosted(DECIDED_PAUSES, 'Pair');
  next = 0;
  await workers(CONCURRENCY, async (w) => {
    for (let t = next++; t < pairs.length; t = next++)
      await vote(t, pairs[t] as string, (humans[0] as (typeof humans)[number]).slack, `C0PW${w}`);
  });
  const answers = pairs.map((id, i) =>
    fetch(`${at(i + 1).url}/v1/pauses/${id}?wait=50`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } }).then(
      async (res) => ({
        at: now(),
        view: (await res.json()) as { status: string; response?: { responded_at: string } },
      }),
    ),
  );
  await sleep(2000); // every check is held before the first deciding vote
  const fromClick: number[] = [];
  const fromSigned: number[] = [];
  next = 0;
  const decidingStart = now();
  await workers(CONCURRENCY, async () => {
    for (let t = next++; t < pairs.length; t = next++) {
      const sentAt = now();
      await sendClick(at(t + 2).url, {
        actionId: ActionId.approve,
        value: pairs[t] as string,
        userId: (humans[1] as (typeof humans)[number]).slack,
        channel: 'C0DECIDE',
        responseUrl: fake.responseUrl('d'),
      });
      const answer = await answers[t];
      if (answer?.view.status !== 'responded' || !answer.view.response) throw new Error('the agent was not answered');
      fromClick.push(answer.at - sentAt);
      fromSigned.push(answer.at - Date.parse(answer.view.response.responded_at));
    }
  });
  const decidingSeconds = (now() - decidingStart) / 1000;
  fromClick.sort((a, b) => a - b);
  fromSigned.sort((a, b) => a - b);

  out('');
  out('| figure | value |');
  out('|---|---|');
  out(
    `| counted votes/s, 3 replicas, one Redis (${tasks.length} votes: ${COUNTED_PAUSES} pauses × ${HUMANS - 1} distinct humans, quorum ${HUMANS}, ${CONCURRENCY} in flight; click → ephemeral "counted") | ${(tasks.length / countedSeconds).toFixed(0)} |`,
  );
  out(
    `| deciding votes/s (${DECIDED_PAUSES} quorum-2 pauses, 2nd approval, ${CONCURRENCY} in flight; click → waiting agent answered) | ${(DECIDED_PAUSES / decidingSeconds).toFixed(0)} |`,
  );
  out(
    `| deciding click sent → waiting agent's answer (agent on another replica) | p50 ${percentile(fromClick, 50).toFixed(1)} ms, p99 ${percentile(fromClick, 99).toFixed(1)} ms |`,
  );
  out(
    `| decision signed (responded_at) → waiting agent's answer | p50 ${percentile(fromSigned, 50).toFixed(1)} ms, p99 ${percentile(fromSigned, 99).toFixed(1)} ms |`,
  );
} finally {
  await Promise.all(replicas.map(stopReplica));
  await store.close();
  await fake.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
