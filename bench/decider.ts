// Second process for the wake-up benchmark: decides pauses on command, on its own Redis connection.
import { createInterface } from 'node:readline';
import { ApprovalService } from '../src/service/approvals.js';
import { RedisStore } from '../src/store/redis-store.js';

const [url, prefix, secret] = process.argv.slice(2);
if (!url || !prefix || !secret) throw new Error('usage: decider.ts REDIS_URL PREFIX SECRET');
const store = new RedisStore({ url, prefix });
await store.connect();
const service = new ApprovalService({ store, signingSecret: secret, slackEnabled: false, emailFallbackAfterMs: 0 });
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'quit') break;
  const decidedAt = performance.timeOrigin + performance.now();
  await service.decide(line, { decision: 'approved', responder: 'bench@example.com', channel: 'web', identities: [] });
  process.stdout.write(`${line} ${decidedAt}\n`);
}
await store.close();
// stdin stays open while the parent lives: leave explicitly.
process.exit(0);
