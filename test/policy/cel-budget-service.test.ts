import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyFile, PolicyFileError } from '../../src/adapters/policy-file.js';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

/**
 * The review's policy on a running service: an agent's hostile action cannot hold the replica, and /healthz answers
 * while it is being judged. Before the CEL budget was enforced during evaluation, the create below ran until the
 * test timed out and /healthz with it.
 */

const REVIEW_POLICY = `rules:
  - name: words
    when: { if: 'action.matches("^([A-Za-z0-9]+ ?)*$")' }
    route: { email: ops@example.com }
  - name: splits
    when: { action: "Split *", if: 'action.split("").all(x, action.split("").all(y, x != "!"))' }
    route: { email: ops@example.com }
`;

const BACKREFERENCE_POLICY = `rules:
  - name: words
    when: { if: 'action.matches("^(a+)\\\\1$")' }
    route: { email: ops@example.com }
`;

function tempDir(prefix: string): string {
  return mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), prefix));
}

describe('a policy condition cannot freeze the replica', () => {
  let dir: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = tempDir('policy-cel-budget-');
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, REVIEW_POLICY);
    running = await startTestService({ LOOPPAUSE_POLICY_FILE: path });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = async (action: string) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ action_description: action, action_details: {} }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { field?: string } } };
  };
  const health = async () => {
    const res = await fetch(`${running.url}/healthz`);
    return { status: res.status, body: await res.json() };
  };

  it("judges the review's hostile action while /healthz answers: a refusal, not a 5xx", async () => {
    const [created, healthy] = await Promise.all([create(`${'a'.repeat(2999)}!`), health()]);
    expect(healthy).toEqual({ status: 200, body: { status: 'ok' } });
    // No rule matches "aaa…!": refused as any unmatched request is, naming the policy.
    expect(created.status).toBe(400);
    expect(created.body.error?.field).toBe('policy');
  });

  it('routes an action the pattern matches, however long', async () => {
    const [created, healthy] = await Promise.all([create(`${'Deploy web 42 '.repeat(214)}ok`), health()]);
    expect(healthy.status).toBe(200);
    expect(created.status).toBe(201);
  });

  it('refuses a condition that runs out of its budget, and answers /healthz meanwhile', async () => {
    const [created, healthy] = await Promise.all([create(`Split ${'a'.repeat(2993)}!`), health()]);
    expect(healthy.status).toBe(200);
    expect(created.status).toBe(400);
    expect(created.body.error?.field).toBe('policy');
  });
});

describe('a pattern RE2 cannot run is a broken policy file', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const recording = (): { logger: Logger; lines: Array<Record<string, unknown>> } => {
    const lines: Array<Record<string, unknown>> = [];
    return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
  };
  const fileWith = (text: string) => {
    const dir = tempDir('policy-re2-');
    dirs.push(dir);
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, text);
    return path;
  };
  const problem =
    'rules[0].when.if: matches() pattern "^(a+)\\\\1$" (rule words) is not a valid regular expression: RE2 has no backreferences or lookarounds';

  it('stops start-up, naming the rule and the pattern', () => {
    const path = fileWith(BACKREFERENCE_POLICY);
    let refused: unknown;
    try {
      new PolicyFile(path, recording().logger).close();
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(PolicyFileError);
    expect((refused as PolicyFileError).problems).toEqual([expect.stringContaining(problem)]);
  });

  it('is refused on reload, and the previous policy stays in force', () => {
    const path = fileWith(REVIEW_POLICY);
    const { logger, lines } = recording();
    const file = new PolicyFile(path, logger);
    try {
      const before = file.current().digest;
      writeFileSync(path, BACKREFERENCE_POLICY);
      expect(file.reload('test')).toBe(false);
      expect(file.current().digest).toBe(before);
      const refusal = lines.find((line) => line.msg === 'policy file refused; the previous policy stays in force');
      expect(refusal?.problems).toEqual([expect.stringContaining(problem)]);
    } finally {
      file.close();
    }
  });
});
