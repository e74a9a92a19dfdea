import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, TOOL_CALL_POLICY } from '../domain/policy/fixtures.js';
import { runCli } from '../helpers/cli.js';

describe('looppause policy', () => {
  let dir: string;
  let good: string;
  let broken: string;
  let tools: string;
  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-cli-'));
    good = join(dir, 'good.yaml');
    broken = join(dir, 'broken.yaml');
    tools = join(dir, 'tools.yaml');
    writeFileSync(good, EXAMPLE_POLICY);
    writeFileSync(tools, TOOL_CALL_POLICY.replace('tool_calls_default: ask', 'tool_calls_default: deny'));
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

  it('explain: what a request would get; refusals (no match, CEL errors) exit 1 with the field and the full reason', async () => {
    const explain = (agent: string, action: string, details: object, env: Record<string, string> = {}) =>
      runCli(
        [
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
        ],
        env,
      );
    const small = await explain('support-bot', 'Refund order 7', { amount: '20' });
    expect(small).toMatchObject({ code: 0 });
    expect(small.stdout).toContain('rule small-refunds: decided approved by policy');
    const keys = { LOOPPAUSE_API_KEYS: `ci:${'k'.repeat(20)}:ann@acme.com` };
    const transfer = await explain('ci', 'Transfer 9,000 EUR', {}, keys);
    expect(transfer.code).toBe(0);
    expect(transfer.stdout).toContain('route: slack #finance-approvals, email cfo@acme.com');
    expect(transfer.stdout).toContain('quorum: 2\n');
    expect(transfer.stdout).toContain('  delegation: within_group (a delegate must already be among the approvers)\n');
    expect(transfer.stdout).toContain("owner_cannot_approve: ann@acme.com (the key's owner) may not vote");
    expect(transfer.stdout).toContain('timeout_hours: 4, on_timeout: rejected');
    expect(transfer.stdout).toContain('remind_after: 30m, 2h');
    expect(transfer.stdout).toContain('escalate after 1h: #cfo-office, U0CFO45678, cfo@acme.com');
    const none = await explain('ci', 'Drop the database', {}, keys);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('refused (field policy): no rule matches\n');
    const celError = await explain('support-bot', 'Refund order 8', { amount: 'lots' });
    expect(celError.code).toBe(1);
    expect(celError.stdout).toMatch(
      /^refused \(field policy, rule small-refunds\): rules\[0\] \(small-refunds\)\.if: /,
    );
    const usage = await runCli(['policy', 'explain', '--file', good, '--agent', 'ci']);
    expect(usage.code).toBe(2);
  });

  it("explain knows a key's owner from LOOPPAUSE_API_KEYS, as the service does, and says when it cannot", async () => {
    const transfer = (env: Record<string, string>) =>
      runCli(['policy', 'explain', '--file', good, '--agent', 'ci', '--action', 'Transfer 9,000 EUR'], env);
    // No owner: the real request is refused under owner_cannot_approve, so explain says so.
    const unowned = await transfer({ LOOPPAUSE_API_KEYS: `ci:${'k'.repeat(20)}` });
    expect(unowned.code).toBe(1);
    expect(unowned.stdout).toMatch(/^refused \(field policy, rule payments\): .*has no owner/);
    // Not among the configured keys (one minted into the store, say): routed, with a note that it cannot know.
    const unknown = await transfer({ LOOPPAUSE_API_KEYS: `other:${'k'.repeat(20)}:ann@acme.com` });
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toContain('note: the owner of ci is not known here');
  });

  it('explain --request judges the routing arguments as request_approval does; --json prints the API shape', async () => {
    const env = { LOOPPAUSE_API_KEYS: `ci:${'k'.repeat(20)}:ann@acme.com` };
    const args = ['policy', 'explain', '--file', good, '--agent', 'ci', '--action', 'Transfer 9,000 EUR'];
    const longer = await runCli([...args, '--request', '{"timeout_hours": 8}'], env);
    expect(longer.code).toBe(1);
    expect(longer.stdout).toMatch(/^refused \(field timeout_hours, rule payments\): /);
    const json = await runCli([...args, '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'route',
      rule: 'payments',
      quorum: 2,
      owner_cannot_approve: true,
      excluded_owner: 'ann@acme.com',
      remind_after: ['30m', '2h'],
      escalate: [{ after: '1h', route: { slack: '#cfo-office' } }],
      on_timeout: 'rejected',
    });
    expect(json.stdout).not.toMatch(/"[a-z]+[A-Z]\w*":/);
    const badRequest = await runCli([...args, '--request', '[1]'], env);
    expect(badRequest.code).toBe(2);
  });

  it('check: prints tool_calls_default, each rule’s tool glob and remember', async () => {
    const ok = await runCli(['policy', 'check', tools]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid, 7 rules, agent_routing restrict, tool_calls_default deny');
    expect(ok.stdout).toContain('rules[1] read-only: tool "Read" → decide approved');
    expect(ok.stdout).toMatch(
      /rules\[3\] pushes: tool "Bash"; if input\.command\.startsWith.* → route \(remember 1h\)/,
    );
    expect(ok.stdout).toContain('rules[4] github-writes: tool "mcp__github__*"; agents ci-* → route\n');
    const refused = join(dir, 'refused.yaml');
    writeFileSync(refused, 'rules:\n  - name: t\n    when: { tool: Bash, action: "Run *" }\n    decide: approved\n');
    const bad = await runCli(['policy', 'check', refused]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rules[0].when.action: cannot be combined with when.tool');
  });

  it('explain --tool: the tool rule, the default, or the refusal; usage errors exit 2', async () => {
    const explain = (...args: string[]) => runCli(['policy', 'explain', '--file', tools, ...args]);
    const push = await explain(
      '--agent',
      'laptop',
      '--tool',
      'Bash',
      '--input',
      '{"command":"git push origin main"}',
      '--cwd',
      '/repo',
      '--session',
      's-1',
    );
    expect(push.code).toBe(0);
    expect(push.stdout).toContain('tool call Bash: rule pushes: routed to humans');
    expect(push.stdout).toContain('  route: slack #deploys\n');
    expect(push.stdout).toContain('  approvers: lead@acme.com, U0LEAD0001\n');
    expect(push.stdout).toContain('  timeout_hours: 1, on_timeout: rejected (the hook answers deny)');
    expect(push.stdout).toContain('  remember: 1h ("Approve for this session"');
    expect(push.stdout).toContain('  delegation: within_group');
    const read = await explain('--agent', 'laptop', '--tool', 'Read', '--input', '{"file_path":"/etc/hosts"}');
    expect(read.stdout).toMatch(
      /^tool call Read: rule read-only: decided approved by policy \(the hook answers allow;/,
    );
    const other = await explain('--agent', 'laptop', '--tool', 'Write');
    expect(other).toMatchObject({ code: 0 });
    expect(other.stdout).toBe(
      'tool call Write: no tool-call rule matches: tool_calls_default deny (the hook answers deny)\n',
    );
    const json = await explain('--tool', 'Bash', '--input', '{"command":"terraform apply"}', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'route',
      tool: 'Bash',
      rule: 'pushes',
      remember: '1h',
      note: expect.stringContaining('no agent given'),
    });
    const unjudged = await explain('--agent', 'laptop', '--tool', 'Bash', '--input', '{"cmd":"ls"}');
    expect(unjudged.code).toBe(1);
    expect(unjudged.stdout).toMatch(
      /^tool call Bash: refused \(field policy, rule pushes\): rules\[3\] \(pushes\)\.if: /,
    );
    for (const args of [
      ['--tool', 'Bash', '--input', '[1]'],
      ['--tool', 'Bash', '--input', 'not json'],
      ['--tool', 'Bash', '--action', 'x'],
      ['--agent', 'ci', '--action', 'x', '--input', '{}'],
      ['--tool', '', '--input', '{}'],
    ]) {
      const usage = await explain(...args);
      expect(usage.code, args.join(' ')).toBe(2);
      expect(usage.stderr, args.join(' ')).toMatch(/^looppause policy explain: /);
    }
  });
});
