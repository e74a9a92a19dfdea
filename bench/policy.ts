// npm run bench:policy — what an operator policy costs per request. Talks only to 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePolicy, PolicyError, parsePolicy } from '../src/domain/policy/index.js';
import { startTestService, TEST_API_KEY } from '../test/helpers/service.js';
import { closedLoop, percentile } from './load.js';

const RULES = 100;
const EVALUATIONS = 20_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The worst case: 99 rules whose globs all match and whose CEL condition is evaluated and false,
 * then the one that routes the request.
 */
function policyText(): string {
  const rules = Array.from(
    { length: RULES - 1 },
    (_, i) => `  - name: rule-${i}
    when:
      agents: ["agent-*"]
      action: "Refund *"
      if: 'has(details.amount) && double(details.amount) > ${1000 + i}.0'
    decide: approved`,
  );
  rules.push(`  - name: everything-else
    when: { if: 'size(details) < 50' }
    route: { email: ops@example.com }`);
  return `rules:\n${rules.join('\n')}\n`;
}

const parsed = parsePolicy(policyText());
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const input = { agent: 'agent-a', action: 'Refund order #1042', details: { amount: '120', currency: 'EUR' } };
// The budget is wall-clock: on a busy machine a descheduled evaluation can overrun it and be refused; counted, not fatal.
let refused = 0;
const evaluate = () => {
  try {
    evaluatePolicy(parsed.policy, input);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    refused++;
  }
};
for (let i = 0; i < 2000; i++) evaluate();
const micros: number[] = [];
for (let i = 0; i < EVALUATIONS; i++) {
  const started = performance.now();
  evaluate();
  micros.push((performance.now() - started) * 1000);
}
micros.sort((a, b) => a - b);

const dir = mkdtempSync(join(tmpdir(), 'looppause-bench-policy-'));
const path = join(dir, 'policy.yaml');
writeFileSync(path, policyText());
const outbox = join(dir, 'outbox');
const plain = await startTestService({ LOOPPAUSE_OUTBOX_DIR: outbox });
const governed = await startTestService({ LOOPPAUSE_OUTBOX_DIR: outbox, LOOPPAUSE_POLICY_FILE: path });
const body = JSON.stringify({
  action_description: input.action,
  action_details: input.details,
  recipient_email: 'ops@example.com',
});
const load = (url: string) => ({
  url: `${url}/v1/pauses`,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
  body,
  concurrency: 16,
});
try {
  await closedLoop({ ...load(plain.url), seconds: 1, expectStatus: 201 });
  await closedLoop({ ...load(governed.url), seconds: 1, expectStatus: 201 });
  // Rounds alternate without/with so drift in the machine's load hits both alike. Beside the throughput, the
  // process's CPU time per create (server and load generator share the process): unlike creates/s it does not move
  // when other work on the machine takes the cores, so it is the steadier figure on a shared machine.
  const without: number[] = [];
  const withPolicy: number[] = [];
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  const measure = async (url: string, rates: number[], cpu: number[]) => {
    const before = process.cpuUsage();
    const result = await closedLoop({ ...load(url), seconds: SECONDS, expectStatus: 201 });
    const used = process.cpuUsage(before);
    rates.push(result.perSecond);
    cpu.push((used.user + used.system) / result.requests);
  };
  for (let round = 0; round < ROUNDS; round++) {
    await measure(plain.url, without, cpuWithout);
    await measure(governed.url, withPolicy, cpuWith);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const a = median(without);
  const b = median(withPolicy);
  const cpuA = median(cpuWithout);
  const cpuB = median(cpuWith);
  out('');
  out(
    `LoopPause policy benchmark (Node ${process.version}; memory store; ${RULES} rules, every condition evaluated, the last rule matching)`,
  );
  out('');
  out('| figure | value | goal |');
  out('|---|---|---|');
  out(
    `| evaluatePolicy, ${RULES} rules walked (n=${EVALUATIONS}) | p50 ${percentile(micros, 50).toFixed(1)} µs, p99 ${percentile(micros, 99).toFixed(1)} µs${refused > 0 ? `; ${refused} refused over the time budget` : ''} | |`,
  );
  out(
    `| POST /v1/pauses without a policy (median of ${ROUNDS} × ${SECONDS} s, 16 connections) | ${a.toFixed(0)} creates/s (runs ${without.map((x) => x.toFixed(0)).join(', ')}) | |`,
  );
  out(
    `| … with the ${RULES}-rule policy, same run | ${b.toFixed(0)} creates/s (runs ${withPolicy.map((x) => x.toFixed(0)).join(', ')}) | |`,
  );
  out(`| cost of the policy (throughput) | ${((1 - b / a) * 100).toFixed(1)} % | < 5 % |`);
  out(
    `| CPU time per create, without / with the policy (median) | ${cpuA.toFixed(0)} / ${cpuB.toFixed(0)} µs (runs ${cpuWithout.map((x) => x.toFixed(0)).join(', ')} / ${cpuWith.map((x) => x.toFixed(0)).join(', ')}) | |`,
  );
  out(`| cost of the policy (CPU per create) | ${((1 - cpuA / cpuB) * 100).toFixed(1)} % | < 5 % |`);
} finally {
  await plain.close();
  await governed.close();
  rmSync(dir, { recursive: true, force: true });
}
