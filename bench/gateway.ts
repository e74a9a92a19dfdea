// npm run bench:gateway — the MCP gateway's cost. (1) Pass-through overhead: a read-only tools/call
// (no rule names it, so it passes without a human) through POST /mcp/gateway/<name> against the same
// call straight to the same Streamable HTTP upstream, side by side, with the same SDK client, over
// loopback. (2) Memory per stdio upstream: the RSS of each server-filesystem child process, and the
// service's own RSS growth as 5 of them start. The service runs as its own process (looppause serve);
// the upstream and the clients run here. Talks only to 127.0.0.1 and stops by itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpUpstream } from '../test/helpers/http-upstream.js';
import { spawnReplica } from '../test/helpers/replica-process.js';
import { TEST_API_KEY } from '../test/helpers/service.js';
import { percentile } from './load.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = 4;
const WARMUP = 300;
const STDIO_UPSTREAMS = 5;
const TOKEN = 'bench-upstream-token-0123456789';
const FILESYSTEM = new URL('../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', import.meta.url)
  .pathname;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** RSS in KiB of one process, as `ps` reports it. */
function rssKiB(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

/** The processes `pid` started directly. */
function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

async function client(url: string, headers: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

/** One sequential call's time in ms. */
async function timed(c: Client): Promise<number> {
  const start = performance.now();
  const result = await c.callTool({ name: 'lookup', arguments: { id: '7' } });
  const ms = performance.now() - start;
  if (result.isError) throw new Error(`lookup failed: ${JSON.stringify(result.content).slice(0, 200)}`);
  return ms;
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

const tmp = mkdtempSync(join(tmpdir(), 'looppause-bench-gateway-'));
const upstream = await startHttpUpstream({ token: TOKEN });
const dirs = Array.from({ length: STDIO_UPSTREAMS }, (_, i) => join(tmp, `served-${i}`));
for (const dir of dirs) mkdirSync(dir);
writeFileSync(
  join(tmp, 'policy.yaml'),
  `gateway_default_route: { email: ops@example.com }
rules:
  - name: never-prod
    when: { tool: "mcp__records__delete_record", if: 'input.id.startsWith("prod-")' }
    decide: rejected
`,
);
writeFileSync(
  join(tmp, 'gateway.yaml'),
  `servers:
  records: { url: ${JSON.stringify(upstream.url)}, headers: { Authorization: "Bearer \${RECORDS_TOKEN}" } }
${dirs.map((dir, i) => `  files-${i}: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(dir)}] }`).join('\n')}
`,
);
const service = await spawnReplica({
  LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
  LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
  LOOPPAUSE_OUTBOX_DIR: join(tmp, 'outbox'),
  RECORDS_TOKEN: TOKEN,
});
const servicePid = service.child.pid as number;

try {
  // 1. Pass-through: the same client class, the same tool and arguments, sequential calls.
  const direct = await client(upstream.url, { authorization: `Bearer ${TOKEN}` });
  const gateway = await client(`${service.url}/mcp/gateway/records`, { authorization: `Bearer ${TEST_API_KEY}` });
  for (let i = 0; i < WARMUP; i++) {
    await timed(direct);
    await timed(gateway);
  }
  const times = { direct: [] as number[], gateway: [] as number[] };
  // Alternating rounds, so neither side gets all of a warmer JIT or a quieter machine.
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < CALLS / ROUNDS; i++) times.direct.push(await timed(direct));
    for (let i = 0; i < CALLS / ROUNDS; i++) times.gateway.push(await timed(gateway));
  }
  await direct.close();
  await gateway.close();

  // 2. Memory per stdio upstream: each starts at its first use (tools/list), one child per upstream.
  await settle();
  const before = rssKiB(servicePid);
  const steps: Array<{ service: number; child: number }> = [];
  for (let i = 0; i < STDIO_UPSTREAMS; i++) {
    const known = new Set(children(servicePid));
    const files = await client(`${service.url}/mcp/gateway/files-${i}`, { authorization: `Bearer ${TEST_API_KEY}` });
    const { tools } = await files.listTools();
    if (tools.length === 0) throw new Error(`files-${i} listed no tools`);
    await files.close();
    await settle();
    const started = children(servicePid).filter((pid) => !known.has(pid));
    if (started.length !== 1) throw new Error(`files-${i}: expected one new child process, saw ${started.length}`);
    steps.push({ service: rssKiB(servicePid), child: rssKiB(started[0] as number) });
  }

  const mb = (kib: number) => (kib / 1024).toFixed(1);
  const row = (name: string, sorted: number[]) =>
    `| ${name} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} |`;
  const direct50 = percentile(
    [...times.direct].sort((a, b) => a - b),
    50,
  );
  const sortedDirect = [...times.direct].sort((a, b) => a - b);
  const sortedGateway = [...times.gateway].sort((a, b) => a - b);
  out('');
  out(
    `MCP gateway pass-through (Node ${process.version}, ${CALLS} sequential read-only tools/call each side after ${WARMUP} warm-up, ${ROUNDS} alternating rounds, SDK Client over Streamable HTTP, loopback, memory store, service as its own process; load average ${loadavg()[0]?.toFixed(1)} at the end)`,
  );
  out('');
  out('| path | p50 ms | p99 ms |');
  out('|---|---|---|');
  out(row('direct to the upstream', sortedDirect));
  out(row('through /mcp/gateway/records', sortedGateway));
  out(
    `| added by the gateway | ${(percentile(sortedGateway, 50) - direct50).toFixed(2)} | ${(percentile(sortedGateway, 99) - percentile(sortedDirect, 99)).toFixed(2)} |`,
  );
  out('');
  out(`Memory per stdio upstream (@modelcontextprotocol/server-filesystem started as node <path> <dir>; RSS by ps)`);
  out('');
  out('| upstreams started | child RSS MB | service RSS MB |');
  out('|---|---|---|');
  out(`| 0 | — | ${mb(before)} |`);
  steps.forEach((step, i) => {
    out(`| ${i + 1} | ${mb(step.child)} | ${mb(step.service)} |`);
  });
  const childMean = steps.reduce((sum, s) => sum + s.child, 0) / steps.length;
  const first = steps[0]?.service ?? before;
  const last = steps.at(-1)?.service ?? before;
  // The first upstream's step also carries whatever the heap did after the pass-through run (a
  // collection can make it negative): the steps after it are the cost of one more upstream.
  const further = (last - first) / Math.max(1, steps.length - 1);
  out('');
  out(
    `per stdio upstream: child process ${mb(childMean)} MB RSS (mean of ${steps.length}); service RSS ${mb(before)} → ${mb(first)} MB with the first, then ${mb(further)} MB per further upstream (${mb(first)} → ${mb(last)} MB over ${steps.length - 1})`,
  );
} finally {
  await service.stop();
  await upstream.stop();
  rmSync(tmp, { recursive: true, force: true });
}
