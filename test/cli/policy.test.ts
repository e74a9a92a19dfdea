import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY } from '../domain/policy/fixtures.js';
import { runCli } from '../helpers/cli.js';

describe('looppause policy', () => {
  let dir: string;
  let good: string;
  let broken: string;
  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-cli-'));
    good = join(dir, 'good.yaml');
    broken = join(dir, 'broken.yaml');
    writeFileSync(good, EXAMPLE_POLICY);
    writeFileSync(
      broken,
      EXAMPLE_POLICY.replace('[group:finance]', '[group:finanse]').replace('quorum: 2', 'quorum: 0'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check: lists the rules of a valid file; names every problem of a broken one (exit 1)', async () => {
    const ok = await runCli(['policy', 'check', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid, 2 rules, agent_routing restrict');
    expect(ok.stdout).toMatch(
      /rules\[0\] small-refunds: agents support-bot; action "Refund \*"; if .* → decide approved/,
    );
    const bad = await runCli(['policy', 'check', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rules[1].quorum:');
    expect(bad.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('explain: which rule a request meets, with the effective routing; no match and CEL errors exit 1', async () => {
    const explain = (agent: string, action: string, details: object) =>
      runCli([
        'policy',
        'explain',
        '--file',
        good,
        '--agent',
        agent,
        '--action',
        action,
        '--details',
        JSON.stringify(details),
      ]);
    const small = await explain('support-bot', 'Refund order 7', { amount: '20' });
    expect(small).toMatchObject({ code: 0 });
    expect(small.stdout).toContain('rule small-refunds: decided approved by policy');
    const transfer = await explain('ci', 'Transfer 9,000 EUR', {});
    expect(transfer.code).toBe(0);
    expect(transfer.stdout).toContain('route: slack #finance-approvals, email cfo@acme.com');
    expect(transfer.stdout).toContain('quorum: 2, the key owner may not approve');
    expect(transfer.stdout).toContain('escalate after 1h: #cfo-office, U0CFO45678, cfo@acme.com');
    const none = await explain('ci', 'Drop the database', {});
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no rule matches');
    const celError = await explain('support-bot', 'Refund order 8', { amount: 'lots' });
    expect(celError.code).toBe(1);
    expect(celError.stdout).toMatch(/^refused: rules\[0\] \(small-refunds\)\.if: /);
    const usage = await runCli(['policy', 'explain', '--file', good, '--agent', 'ci']);
    expect(usage.code).toBe(2);
  });
});
