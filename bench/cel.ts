// npm run bench:cel — how long one request's policy evaluation can take when the agent picks the worst input for an
// operator's hostile-but-loadable CEL conditions. Each case runs in a child process killed after BENCH_CEL_TIMEOUT_MS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  evaluatePolicy,
  evaluateToolCallPolicy,
  PolicyError,
  type PolicyInput,
  parsePolicy,
  type ToolCallPolicyInput,
} from '../src/domain/policy/index.js';
import { closedLoop, percentile } from './load.js';

const TIMEOUT_MS = Number(process.env.BENCH_CEL_TIMEOUT_MS ?? 60_000);
const SERVICE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Runs of a case while each takes under a second; the slowest is reported. */
const REPEATS = 5;
const out = (line: string) => process.stdout.write(`${line}\n`);

interface Case {
  name: string;
  /** One rule's condition, or several rules' (all evaluated, since each is false or over budget). */
  conditions: string[];
  /** A request's input, or (`tool: true`) a tool call's, judged by tool-call rules. */
  input: () => PolicyInput | ToolCallPolicyInput;
  tool?: true;
}

const REVIEW = '^([A-Za-z0-9]+ ?)*$';
/** The largest program a pattern may compile to (300 RE2 instructions). */
const LARGEST = '(\\p{L}|\\p{N}|\\s){99}$';
const as = (n: number) => 'a'.repeat(n);
const action =
  (text: string, details: Record<string, string> = {}) =>
  () => ({ agent: 'bot', action: text, details });
/** 50 details of 2000 characters: the largest action_details a request may carry. */
const fullDetails = (value: (i: number) => string) =>
  Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, '0')}`, value(i)]));
const quote = (pattern: string) => JSON.stringify(pattern);

const CASES: Case[] = [
  {
    name: 'review: matches("^([A-Za-z0-9]+ ?)*$"), "a"×25 + "!"',
    conditions: [`action.matches(${quote(REVIEW)})`],
    input: action(`${as(25)}!`),
  },
  {
    name: 'review pattern, "a"×2999 + "!" (3000 characters)',
    conditions: [`action.matches(${quote(REVIEW)})`],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'nested quantifier "^(a+)+$"',
    conditions: ['action.matches("^(a+)+$")'],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'overlapping alternation "^(a|aa)+$"',
    conditions: ['action.matches("^(a|aa)+$")'],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'polynomial ".*" chain "^(.*a){12}$"',
    conditions: ['action.matches("^(.*a){12}$")'],
    input: action(`${as(2999)}!`),
  },
  { name: 'backreference "^(a+)+\\1$"', conditions: ['action.matches("^(a+)+\\\\1$")'], input: action(`${as(2999)}!`) },
  { name: 'lookahead "^(?=(a+)+$)"', conditions: ['action.matches("^(?=(a+)+$)")'], input: action(`${as(2999)}!`) },
  {
    name: 'too large a program "(\\p{L}|\\p{N}|\\s){300}$"',
    conditions: ['action.matches("(\\\\p{L}|\\\\p{N}|\\\\s){300}$")'],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'largest allowed program "(\\p{L}|\\p{N}|\\s){99}$", once',
    conditions: [`action.matches(${quote(LARGEST)})`],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'the largest program, 20 matches() in one condition',
    conditions: [Array.from({ length: 20 }, () => `action.matches(${quote(LARGEST)})`).join(' || ')],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'matches() in a comprehension, 3000 × 3000 characters',
    conditions: ['action.split("").exists(c, action.matches("^(a|b)*!x$"))'],
    input: action(`${as(2999)}!`),
  },
  {
    name: 'matches() over all details joined (100 KB)',
    conditions: ['details.map(k, details[k]).join(" ").matches("^([a-z]+ ?)*$")'],
    input: action(
      'x',
      fullDetails((i) => (i === 49 ? `${as(1999)}!` : as(2000))),
    ),
  },
  {
    name: 'nested loops over split(""): 9M iterations',
    conditions: ['action.split("").all(x, action.split("").all(y, action.split("").size() > 0))'],
    input: action(as(3000)),
  },
  {
    name: 'contains/indexOf/lastIndexOf in 9M iterations',
    conditions: [
      'action.split("").all(x, action.split("").all(y, action.indexOf("!") < 0 && action.lastIndexOf("!") < 0 && action.contains("!!") == false))',
    ],
    input: action(as(3000)),
  },
  {
    name: 'lastIndexOf of a 2000-char needle in 98 KB, 50 times',
    conditions: [
      'cel.bind(h, details.map(k, details[k]).join(""), details.all(k, h.lastIndexOf(details.k49 + "b") < 0))',
    ],
    input: action(
      'x',
      fullDetails(() => as(2000)),
    ),
  },
  {
    name: 'contains/startsWith/endsWith on 4-7 KB strings, 2500 times',
    conditions: [
      'details.all(a, details.all(b, !(details[a] + details[b] + action).contains(details[b] + action + "!") && !details[a].startsWith(details[b] + "!") && !action.endsWith("!" + details[a])))',
    ],
    input: action(
      as(3000),
      fullDetails(() => as(2000)),
    ),
  },
  {
    name: 'in over a list of 50 × 2000 characters, 2500 times',
    conditions: [
      `details.all(a, details.all(b, (details[b] + "") in [${Array.from({ length: 50 }, (_, i) => `details.k${String(i).padStart(2, '0')}`).join(', ')}]))`,
    ],
    input: action(
      'x',
      fullDetails(() => as(2000)),
    ),
  },
  {
    name: 'join(action) over split(""): 9 MB string',
    conditions: ['action.split("").join(action).size() > 0'],
    input: action(as(3000)),
  },
  {
    name: 'growing strings: bind of 9 MB, then × 4',
    conditions: ['cel.bind(x, action.split("").map(c, action).join(), cel.bind(y, x + x + x + x, y.size() > 0))'],
    input: action(as(3000)),
  },
  {
    name: 'duration() of 2000 digits (cel-js parser is cubic)',
    conditions: ['duration(details.d) > duration("1s")'],
    input: action('x', { d: '1'.repeat(2000) }),
  },
  {
    name: 'errors absorbed by exists over 100 K elements',
    conditions: [
      'details.map(k, details[k]).join("").split("").exists(c, details.k00.split("").exists(d, d + c == "!"))',
    ],
    input: action(
      'x',
      fullDetails(() => as(2000)),
    ),
  },
  {
    name: 'time zones: 3000 timestamp conversions',
    conditions: ['action.split("").all(c, timestamp("2024-01-01T00:00:00Z").getHours(details.tz) != 25)'],
    input: action(as(3000), { tz: 'America/Argentina/ComodRivadavia' }),
  },
  {
    name: '100 rules, each 9M iterations of a comparison',
    conditions: Array.from({ length: 100 }, (_, i) => `action.split("").all(x, action.split("").all(y, x != "${i}"))`),
    input: action(as(3000)),
  },
  // Tool calls: the largest input the engine passes on (64 KiB of canonical JSON, 32 levels deep).
  {
    name: 'tool input: nested loops over a list of 30 K numbers (900M iterations)',
    conditions: ['input.list.all(x, input.list.all(y, x != -1.0))'],
    input: toolCall({ list: Array.from({ length: 30_000 }, () => 0) }),
    tool: true,
  },
  {
    name: 'tool input: matches() over a 64 KB command',
    conditions: [`input.command.matches(${quote(REVIEW)})`],
    input: toolCall({ command: `${as(65_000)}!` }),
    tool: true,
  },
  {
    name: 'tool input: the largest program over a 64 KB command',
    conditions: [`input.command.matches(${quote(LARGEST)})`],
    input: toolCall({ command: `${as(65_000)}!` }),
    tool: true,
  },
  {
    name: 'tool input: equality of two equal 30 KB maps in 1M iterations',
    conditions: ['input.a.all(k, input.a.all(j, input.a == input.b))'],
    input: toolCall({ a: wideMap('a'), b: wideMap('a') }),
    tool: true,
  },
  {
    name: 'tool input: 32 levels deep, has() 21 levels down in a loop',
    conditions: [`input.list.all(x, has(input${'.d'.repeat(20)}.d))`],
    input: toolCall({ list: Array.from({ length: 20_000 }, () => 0), ...deep(31) }),
    tool: true,
  },
  {
    name: 'tool input: 100 rules, each a loop over 30 K elements',
    conditions: Array.from({ length: 100 }, (_, i) => `input.list.exists(x, x == ${i + 1}.5)`),
    input: toolCall({ list: Array.from({ length: 30_000 }, () => 0) }),
    tool: true,
  },
];

function toolCall(input: Record<string, unknown>): () => ToolCallPolicyInput {
  return () => ({ agent: 'laptop', tool: 'Bash', input });
}

/** A map of 1000 entries, about 30 KB as JSON. */
function wideMap(prefix: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${prefix}${i}`, 'v'.repeat(20)]));
}

/** `{d: {d: … "x"}}`, `levels` maps deep. */
function deep(levels: number): { d: unknown } {
  let value: unknown = 'x';
  for (let i = 0; i < levels; i++) value = { d: value };
  return value as { d: unknown };
}

function policyOf(conditions: string[], tool = false): string {
  const glob = tool ? ', tool: "*"' : '';
  const rules = conditions.map(
    (condition, i) => `  - name: r${i}\n    decide: approved\n    when: { if: ${JSON.stringify(condition)}${glob} }`,
  );
  return `rules:\n${rules.join('\n')}\n`;
}

/** In the child: load, then time the evaluation; prints one JSON line. */
function runCase(index: number): void {
  const c = CASES[index];
  if (c === undefined) throw new Error(`no case ${index}`);
  const loadStarted = performance.now();
  const parsed = parsePolicy(policyOf(c.conditions, c.tool === true));
  const loadMs = performance.now() - loadStarted;
  if (!parsed.ok) {
    out(JSON.stringify({ ms: loadMs, outcome: `refused at load: ${parsed.errors[0]}` }));
    return;
  }
  const input = c.input();
  let worst = 0;
  let outcome = '';
  for (let run = 0; run < REPEATS && (run === 0 || worst < 1000); run++) {
    const started = performance.now();
    try {
      outcome = c.tool
        ? evaluateToolCallPolicy(parsed.policy, input as ToolCallPolicyInput).kind
        : evaluatePolicy(parsed.policy, input as PolicyInput).kind;
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      outcome = `refused: ${error.message}`;
    }
    worst = Math.max(worst, performance.now() - started);
  }
  out(JSON.stringify({ ms: worst, outcome }));
}

/** The review's policy, and a condition that runs out of any budget, on a running service. */
const SERVICE_POLICY = `rules:
  - name: words
    when: { if: 'action.matches("^([A-Za-z0-9]+ ?)*$")' }
    route: { email: ops@example.com }
  - name: splits
    when: { action: "Split *", if: 'action.split("").all(x, action.split("").all(y, x != "!"))' }
    route: { email: ops@example.com }
`;

/**
 * In the child: a service with SERVICE_POLICY, 2 + 2 connections sending hostile creates (the review's action, and
 * one that spends the budget) for SERVICE_SECONDS while one more asks /healthz again and again; prints one JSON line.
 */
async function runService(): Promise<void> {
  const { startTestService, TEST_API_KEY } = await import('../test/helpers/service.js');
  const dir = mkdtempSync(join(tmpdir(), 'looppause-bench-cel-'));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, SERVICE_POLICY);
  const service = await startTestService({ LOOPPAUSE_POLICY_FILE: path, LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox') });
  try {
    const hostile = (action: string) =>
      closedLoop({
        url: `${service.url}/v1/pauses`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
        body: JSON.stringify({ action_description: action, action_details: {} }),
        concurrency: 2,
        seconds: SERVICE_SECONDS,
        expectStatus: 400,
      });
    const creates = Promise.all([hostile(`${as(2999)}!`), hostile(`Split ${as(2993)}!`)]);
    const latencies: number[] = [];
    const deadline = performance.now() + SERVICE_SECONDS * 1000;
    let unhealthy = 0;
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await fetch(`${service.url}/healthz`);
      await res.arrayBuffer();
      if (res.status !== 200) unhealthy++;
      latencies.push(performance.now() - started);
    }
    const [review, splits] = await creates;
    latencies.sort((a, b) => a - b);
    out(
      JSON.stringify({
        ms: latencies[latencies.length - 1],
        outcome: `/healthz p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(1)} ms over ${latencies.length} probes (${unhealthy} not 200); hostile creates answered ${review.requests + splits.requests}, ${review.errors + splits.errors} not 400`,
      }),
    );
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  out('');
  out(
    `LoopPause CEL worst cases (Node ${process.version}; one evaluatePolicy per case, the slowest of up to ${REPEATS} runs)`,
  );
  out('');
  out('| case | ms | outcome |');
  out('|---|---|---|');
  let slowest = 0;
  for (const [index, c] of CASES.entries()) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, String(index)], {
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    let cell: string;
    let outcome: string;
    if (child.error !== undefined || child.status !== 0 || line === '') {
      cell = child.signal === 'SIGKILL' ? `> ${TIMEOUT_MS}` : 'failed';
      outcome = child.signal === 'SIGKILL' ? 'killed: still running' : (child.stderr.trim().split('\n')[0] ?? '');
      if (child.signal === 'SIGKILL') slowest = Number.POSITIVE_INFINITY;
    } else {
      const result = JSON.parse(line) as { ms: number; outcome: string };
      cell = result.ms < 10 ? result.ms.toFixed(1) : result.ms.toFixed(0);
      outcome = result.outcome;
      slowest = Math.max(slowest, result.ms);
    }
    out(`| ${c.name} | ${cell} | ${outcome.replaceAll('|', '\\|').slice(0, 160)} |`);
  }
  out('');
  out(`slowest case: ${Number.isFinite(slowest) ? `${slowest.toFixed(0)} ms` : `over ${TIMEOUT_MS} ms`}`);
  const service = spawnSync(process.execPath, [...process.execArgv, self, 'service'], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS + SERVICE_SECONDS * 1000,
    killSignal: 'SIGKILL',
  });
  const line = service.stdout.trim().split('\n').pop() ?? '';
  out('');
  out(
    `service with the review's policy, ${SERVICE_SECONDS} s of hostile creates on 4 connections: ${
      service.status === 0 && line !== ''
        ? (JSON.parse(line) as { outcome: string }).outcome
        : service.signal === 'SIGKILL'
          ? 'killed: /healthz did not get its answers in time'
          : `failed: ${service.stderr.trim().split('\n')[0] ?? ''}`
    }`,
  );
}

const caseArg = process.argv[2];
if (caseArg === undefined) main();
else if (caseArg === 'service') await runService();
else runCase(Number(caseArg));
