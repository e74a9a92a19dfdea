// Second process for the wake-up benchmarks: decides pauses on command, on its own Redis connection.
// Each line on stdin is a pause id, decided as soon as it arrives; `quit` ends the process.
import { createInterface } from 'node:readline';
import { RedisStore } from '../src/store/redis-store.js';
import { ApprovalService } from '../src/use-cases/approval-service.js';

const [url, prefix, secret] = process.argv.slice(2);
if (!url || !prefix || !secret) throw new Error('usage: decider.ts REDIS_URL PREFIX SECRET');
const store = new RedisStore({ url, prefix });
await store.connect();
const service = new ApprovalService({ store, signingSecret: secret, slackEnabled: false, emailFallbackAfterMs: 0 });
process.stdout.write('ready\n');

const inFlight: Promise<void>[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'quit') break;
  const decidedAt = performance.timeOrigin + performance.now();
  inFlight.push(
    service
      .decide(line, { decision: 'approved', responder: 'bench@example.com', channel: 'web', identities: [] })
      .then(() => void process.stdout.write(`${line} ${decidedAt}\n`)),
  );
}
await Promise.all(inFlight);
await store.close();
// stdin stays open while the parent lives: leave explicitly.
process.exit(0);
