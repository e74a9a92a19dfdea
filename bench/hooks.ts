// npm run bench:hooks — the hook round trip a coding agent pays before every tool call. One replica
// (its own process, production mode, Redis store on a redis-server started here on a free port),
// loopback HTTP, keep-alive. Prints p50/p99 of sequential round trips for a call the policy allows
// without a pause (tool_calls_default), one a `decide: approved` rule allows (a signed pause with a
// receipt), the same two through the Claude Code adapter, the command hook including process start,
// and allowed calls per second with 16 connections. Talks only to 127.0.0.1 and stops by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateReceiptKey } from '../src/receipts/keys.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';
import { TEST_API_KEY } from '../test/helpers/service.js';
import { closedLoop, percentile } from './load.js';
import { stopReplica } from './replica.js';
import { spawnSourceReplica } from './source-replica.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const COMMAND_RUNS = Number(process.env.BENCH_COMMAND_RUNS ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const out = (line: string) => process.stdout.write(`${line}\n`);
const root = new URL('..', import.meta.url).pathname;

const POLICY = `
tool_calls_default: allow
rules:
  - name: reads
    when: { tool: Read }
    decide: approved
  - name: push
    when: { tool: Bash, if: 'input.command.startsWith("git push")' }
    route: { email: ops@example.com }
`;
const tmp = mkdtempSync(join(tmpdir(), 'bench-hooks-'));
const policyFile = join(tmp, 'policy.yaml');
writeFileSync(policyFile, POLICY);

const redis = await startRedis();
const replica = await spawnSourceReplica({
  REDIS_URL: redis.url,
  LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
  LOOPPAUSE_POLICY_FILE: policyFile,
  LOOPPAUSE_RECEIPT_KEY: generateReceiptKey(),
  LOOPPAUSE_OUTBOX_DIR: join(tmp, 'outbox'),
});
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };

function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const target = new URL(path, replica.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sequential round trips of `body` to `path`; each answer must contain `expect`. p50/p99 in ms. */
async function roundTrips(path: string, body: (i: number) => string, expect: string) {
  for (let i = 0; i < 200; i++) await post(path, body(i));
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const { status, text } = await post(path, body(i));
    times.push(performance.now() - start);
    if (status !== 200 || !text.includes(expect)) throw new Error(`${path} answered ${status} ${text.slice(0, 200)}`);
  }
  times.sort((a, b) => a - b);
  return `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms (${RUNS} calls)`;
}

const grep = () => JSON.stringify({ tool: 'Grep', input: { pattern: 'TODO', path: '/repo' }, session_id: 's' });
const read = (i: number) =>
  JSON.stringify({ tool: 'Read', input: { file_path: `/repo/src/${i}.ts` }, session_id: 's' });
const hookInput = (tool: string, input: unknown, i: number) =>
  JSON.stringify({
    session_id: 'bench-session',
    transcript_path: '/home/dev/.claude/projects/repo/bench-session.jsonl',
    cwd: '/repo',
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: `toolu_bench_${i}`,
  });

try {
  out(`tool call allowed by tool_calls_default (no pause): ${await roundTrips('/v1/tool-calls', grep, '"allow"')}`);
  out(
    `tool call allowed by a decide rule (signed pause + receipt): ${await roundTrips('/v1/tool-calls', read, '"allow"')}`,
  );
  out(
    `Claude Code PreToolUse, tool_calls_default allow: ${await roundTrips(
      '/v1/hooks/claude-code',
      (i) => hookInput('Grep', { pattern: 'TODO' }, i),
      '"allow"',
    )}`,
  );
  out(
    `Claude Code PreToolUse, decide rule: ${await roundTrips(
      '/v1/hooks/claude-code',
      (i) => hookInput('Read', { file_path: `/repo/${i}.ts` }, i),
      '"allow"',
    )}`,
  );

  // The command hook: a new node process per tool call, as Claude Code runs it.
  const cli = join(root, 'dist/src/cli/looppause.js');
  const times: number[] = [];
  for (let i = 0; i < COMMAND_RUNS; i++) {
    const start = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'hook', 'claude-code'], {
        env: { PATH: process.env.PATH ?? '', LOOPPAUSE_API_URL: replica.url, LOOPPAUSE_API_KEY: TEST_API_KEY },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c) => {
        text += c;
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`hook exited ${code}: ${text}`))));
      child.stdin.end(hookInput('Grep', { pattern: 'TODO' }, i));
    });
    times.push(performance.now() - start);
    if (!answer.includes('"allow"')) throw new Error(`command hook answered ${answer}`);
  }
  times.sort((a, b) => a - b);
  out(
    `command hook (node process start + round trip): p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms (${COMMAND_RUNS} runs)`,
  );

  const loop = await closedLoop({
    url: `${replica.url}/v1/tool-calls`,
    headers,
    body: grep(),
    concurrency: 16,
    seconds: SECONDS,
  });
  out(`allowed calls per second, one replica, 16 connections: ${loop.perSecond.toFixed(0)} (errors ${loop.errors})`);
} finally {
  agent.destroy();
  await stopReplica(replica);
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
