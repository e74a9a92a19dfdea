import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type Policy, parsePolicy } from '../../src/domain/policy/index.js';
import { policyDocumentSchema, ruleSchema } from '../../src/domain/policy/schema.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const POLICY_DOC = read('docs/policy.md');
const README = read('README.md');

/** The ```yaml blocks of a Markdown text: every one in these docs is a whole policy file. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');
}

/** The README's Operator policy section, up to the next level-2 heading. */
function readmePolicySection(): string {
  const start = README.indexOf('\n## Operator policy\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function load(yaml: string): Policy {
  const parsed = parsePolicy(yaml);
  if (!parsed.ok) throw new Error(`a documented policy does not load:\n${parsed.errors.join('\n')}\n---\n${yaml}`);
  return parsed.policy;
}

/** The keys of a zod object schema, through optional wrappers and arrays. */
function keysOf(schema: unknown): string[] {
  let s = schema as { unwrap?: () => unknown; element?: unknown; shape?: Record<string, unknown> };
  while (!s.shape && (s.unwrap || s.element)) s = (s.unwrap ? s.unwrap() : s.element) as typeof s;
  return Object.keys(s.shape ?? {});
}

describe('docs/policy.md and the README policy example', () => {
  it('every YAML example in docs/policy.md loads with parsePolicy', () => {
    const blocks = yamlBlocks(POLICY_DOC);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) load(block);
  });

  it("the README's Operator policy example loads, admins included", () => {
    const blocks = yamlBlocks(readmePolicySection());
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    for (const block of blocks) load(block);
    expect(blocks.some((block) => load(block).admins.length > 0)).toBe(true);
  });

  it('every documented condition guards the keys it reads: a request without them is judged, not refused', () => {
    let conditions = 0;
    for (const block of [...yamlBlocks(POLICY_DOC), ...yamlBlocks(readmePolicySection())]) {
      const policy = load(block);
      for (const rule of policy.rules.filter((r) => r.when.if !== undefined)) {
        conditions += 1;
        const agent = rule.when.agents?.[0]?.replaceAll('*', 'bot') ?? 'any-agent';
        const action = (rule.when.action ?? 'Something else').replaceAll('*', 'order 12');
        expect(() => evaluatePolicy(policy, { agent, action, details: {} }), rule.when.if).not.toThrow();
      }
    }
    expect(conditions).toBeGreaterThanOrEqual(3);
  });

  it('a refund without amount falls through the guarded condition; one with a small amount meets it', () => {
    for (const block of [...yamlBlocks(POLICY_DOC), ...yamlBlocks(readmePolicySection())]) {
      const policy = load(block);
      for (const guarded of policy.rules.filter((rule) => rule.when.if?.includes('double(details.amount)'))) {
        expect(guarded.when.if).toMatch(/has\(details\.amount\) &&/);
        const agent = guarded.when.agents?.[0] ?? 'any-agent';
        const action = (guarded.when.action ?? 'x').replaceAll('*', 'order 12');
        expect(evaluatePolicy(policy, { agent, action, details: {} })).not.toMatchObject({ rule: guarded.name });
        expect(evaluatePolicy(policy, { agent, action, details: { amount: '20' } })).toMatchObject({
          rule: guarded.name,
        });
      }
    }
  });

  it('names every key the policy schema knows', () => {
    const rule = ruleSchema.shape;
    const keys = [
      ...keysOf(policyDocumentSchema),
      ...keysOf(ruleSchema),
      ...keysOf(rule.when).map((key) => `when.${key}`),
      ...keysOf(rule.route),
      ...keysOf(rule.escalate),
    ];
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys) expect(POLICY_DOC, key).toContain(`\`${key}\``);
  });
});
