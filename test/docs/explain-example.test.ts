import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/domain/policy/index.js';
import { explainRequest, parseExplainInput } from '../../src/use-cases/explain-policy.js';
import { EXAMPLE_POLICY } from '../domain/policy/fixtures.js';

const API_DOC = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const POLICY_DOC = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');

/** The example policy of docs/policy.md › Tool calls. */
function toolCallPolicyExample(): string {
  const start = POLICY_DOC.indexOf('\n## Tool calls\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(POLICY_DOC.slice(start))?.[1];
  if (!block) throw new Error('no yaml block under docs/policy.md › Tool calls');
  return block;
}

/** The JSON blocks of docs/api.md › Policy explain. */
function explainExamples(): Record<string, unknown>[] {
  const start = API_DOC.indexOf('\n## Policy explain\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = API_DOC.slice(start, API_DOC.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? 'null'));
}

describe('docs/api.md › Policy explain', () => {
  it("shows what explain answers for the README's example policy", () => {
    const parsed = parsePolicy(EXAMPLE_POLICY);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const explain = (agent: string, action: string, details: Record<string, string>, owner: string | undefined) =>
      explainRequest(parsed.policy, parseExplainInput({ agent, action, details }), {
        recipients: { slackEnabled: true },
        owner: { known: true, owner },
      });
    const [decide, route, refused] = explainExamples();
    expect(explain('support-bot', 'Refund order 7', { amount: '20' }, undefined)).toEqual(decide);
    expect(explain('ci', 'Transfer 9,000 EUR', {}, 'ann@acme.com')).toEqual(route);
    const { reason, ...verdict } = refused as { reason: string };
    const actual = explain('ci', 'Transfer 9,000 EUR', {}, undefined) as { reason: string };
    expect(actual).toMatchObject(verdict);
    expect(actual.reason.startsWith(reason.replace(/…$/, ''))).toBe(true);
  });

  it('shows what explain answers for a tool call under the example of docs/policy.md › Tool calls', () => {
    const parsed = parsePolicy(toolCallPolicyExample());
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const explain = (tool: string, input: Record<string, unknown>) =>
      explainRequest(parsed.policy, parseExplainInput({ agent: 'laptop', tool, input }), {
        recipients: { slackEnabled: true },
        owner: { known: true, owner: undefined },
      });
    const [, , , decide, route, fallback, refused, ...rest] = explainExamples();
    expect(rest).toEqual([]);
    expect(explain('Read', { file_path: 'README.md' })).toEqual(decide);
    expect(explain('Bash', { command: 'git push origin main' })).toEqual(route);
    expect(explain('Write', { file_path: 'a.txt', content: 'x' })).toEqual(fallback);
    const { reason, ...verdict } = refused as { reason: string };
    const actual = explain('Bash', { cmd: 'ls' }) as { reason: string };
    expect(actual).toMatchObject(verdict);
    expect(actual.reason.startsWith(reason)).toBe(true);
  });
});
