import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import { type AgentRoutingMode, type Policy, parsePolicy } from '../../src/domain/policy/index.js';
import { explainRequest, type PolicyExplanation, parseExplainInput } from '../../src/use-cases/explain-policy.js';
import type { RecipientRules } from '../../src/use-cases/recipient-rules.js';
import { requestApproval } from '../../src/use-cases/request.js';
import { EXAMPLE_POLICY, PUSH_EXPLANATION, TOOL_CALL_POLICY } from '../domain/policy/fixtures.js';
import { useCaseWorld } from '../helpers/use-cases.js';

function policyOf(yaml: string): Policy {
  const parsed = parsePolicy(yaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.policy;
}

const SLACK_AND_EMAIL: RecipientRules = { slackEnabled: true };
const known = (owner: string | undefined) => ({ known: true as const, owner });

/** Every key of an object, nested ones included. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

describe('explainRequest: the verdict in the policy’s own words', () => {
  const example = policyOf(EXAMPLE_POLICY);

  it('a route: snake_case names, durations as a policy writes them, the owner it excludes', () => {
    const explained = explainRequest(example, parseExplainInput({ agent: 'ci', action: 'Transfer 9,000 EUR' }), {
      recipients: SLACK_AND_EMAIL,
      owner: known('ann@acme.com'),
    });
    expect(explained).toEqual({
      verdict: 'route',
      rule: 'payments',
      agent_routing: 'restrict',
      route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
      approvers: ['U0SARAH123', 'cfo@acme.com'],
      quorum: 2,
      owner_cannot_approve: true,
      excluded_owner: 'ann@acme.com',
      response_fields: [{ name: 'po_number', label: 'PO number', required: true }],
      timeout_hours: 4,
      remind_after: ['30m', '2h'],
      escalate: [{ after: '1h', route: { slack: '#cfo-office' }, approvers: ['U0CFO45678', 'cfo@acme.com'] }],
      on_timeout: 'rejected',
      delegation: 'within_group',
    });
    expect(keysOf(explained).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });

  it('durations: the largest whole unit, or seconds', () => {
    const policy = policyOf(`
rules:
  - name: r
    route: { email: a@b.co }
    remind_after: [90s, 5400, 1d, 3600]
    escalate: [{ after: 45, approvers: [c@b.co] }]
`);
    const explained = explainRequest(policy, parseExplainInput({ agent: 'x', action: 'y' }), {
      recipients: SLACK_AND_EMAIL,
      owner: known(undefined),
    });
    expect(explained).toMatchObject({ remind_after: ['90s', '90m', '1d', '1h'], escalate: [{ after: '45s' }] });
  });

  it('a decision, and refusals with the field the agent would hear and the reason it would not', () => {
    expect(
      explainRequest(
        example,
        parseExplainInput({ agent: 'support-bot', action: 'Refund order 7', details: { amount: '20' } }),
        { recipients: SLACK_AND_EMAIL, owner: known(undefined) },
      ),
    ).toEqual({ verdict: 'decide', rule: 'small-refunds', decision: 'approved' });
    const widened = explainRequest(
      example,
      parseExplainInput({
        agent: 'ci',
        action: 'Transfer 1 EUR',
        request: { recipient_email: 'mallory@evil.example' },
      }),
      { recipients: SLACK_AND_EMAIL, owner: known('ann@acme.com') },
    );
    expect(widened).toEqual({
      verdict: 'refused',
      rule: 'payments',
      field: 'recipient_email',
      reason: 'must be where policy rule "payments" routes (cfo@acme.com)',
    });
    expect(
      explainRequest(example, parseExplainInput({ agent: 'ci', action: 'Transfer 1 EUR' }), {
        recipients: SLACK_AND_EMAIL,
        owner: known(undefined),
      }),
    ).toMatchObject({
      verdict: 'refused',
      rule: 'payments',
      field: 'policy',
      reason: expect.stringContaining('no owner'),
    });
  });

  it('an owner it cannot see: the route, with a note instead of a guess', () => {
    const explained = explainRequest(example, parseExplainInput({ agent: 'ci', action: 'Transfer 1 EUR' }), {
      recipients: SLACK_AND_EMAIL,
      owner: { known: false, why: 'ci is not in LOOPPAUSE_API_KEYS' },
    });
    expect(explained).toMatchObject({ verdict: 'route', owner_cannot_approve: true });
    expect(explained).not.toHaveProperty('excluded_owner');
    expect((explained as { note?: string }).note).toContain('ci is not in LOOPPAUSE_API_KEYS');
  });

  it('its own arguments: agent and action required, no action fields inside request', () => {
    expect(() => parseExplainInput({ action: 'x' })).toThrow(/agent/);
    expect(() => parseExplainInput({ agent: 'a', action: 'x', request: { action_details: {} } })).toThrow(/request/);
    expect(() => parseExplainInput({ agent: 'a', action: 'x', request: [] })).toThrow(/request/);
  });
});

/** A policy with every kind of verdict, under the given agent_routing. */
function mixedPolicy(mode: AgentRoutingMode): Policy {
  return policyOf(`
groups:
  finance: [U0SARAH123, cfo@acme.com]
agent_routing: ${mode}
rules:
  - name: small-refunds
    when: { agents: [support-bot], action: "Refund *", if: 'double(details.amount) <= 50.0' }
    decide: approved
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals", email: cfo@acme.com }
    approvers: [group:finance]
    quorum: 2
    owner_cannot_approve: true
    timeout_hours: 4
    on_timeout: rejected
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: lead@acme.com }
    approvers: [lead@acme.com, ann@acme.com, bob@acme.com]
    owner_cannot_approve: true
    timeout_hours: 8
  - name: posts
    when: { action: "Post *" }
    route: { slack: "#ops" }
${
  mode === 'allow'
    ? `  - name: open
    when: { action: "Ask *" }
    approvers: [ann@acme.com, bob@acme.com]
`
    : ''
}`);
}

const POLICIES = { allow: mixedPolicy('allow'), restrict: mixedPolicy('restrict'), deny: mixedPolicy('deny') };
const OWNERS: Record<string, string | undefined> = {
  'support-bot': 'ann@acme.com',
  owned: 'cfo@acme.com',
  ci: undefined,
  ghost: undefined,
};
const human = fc.constantFrom(
  'U0SARAH123',
  'cfo@acme.com',
  'CFO@acme.com',
  'lead@acme.com',
  'ann@acme.com',
  'bob@acme.com',
  'mallory@evil.example',
);
const routingArgs = fc.record(
  {
    recipient_email: fc.constantFrom('cfo@acme.com', 'lead@acme.com', 'mallory@evil.example', 'not-an-address'),
    recipient_slack: fc.constantFrom('#finance-approvals', '#ops', '#random', 'not a channel'),
    approvers: fc.oneof(fc.array(human, { minLength: 1, maxLength: 4 }), fc.constant([])),
    timeout_hours: fc.constantFrom(0.5, 1, 4, 8, 24, 200, -1),
    response_fields: fc.constant([{ name: 'ticket', label: 'Ticket' }]),
    quorum: fc.constantFrom(1, 2),
  },
  { requiredKeys: [] },
);

describe('explain says what request_approval does (property, over the memory store)', () => {
  it('for random requests: the same verdict (decided, routed, refused naming the same field), rule and routing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          mode: fc.constantFrom('allow', 'restrict', 'deny') as fc.Arbitrary<keyof typeof POLICIES>,
          slackEnabled: fc.boolean(),
          emailDomains: fc.constantFrom(undefined, ['acme.com']),
          agent: fc.constantFrom(...Object.keys(OWNERS)),
          action: fc.constantFrom('Refund order 1', 'Transfer 5 EUR', 'Deploy api', 'Post a note', 'Ask me', 'Reboot'),
          details: fc.constantFrom({}, { amount: '20' }, { amount: '500' }, { amount: 'lots' }),
          // Half without routing arguments, so that routes and decisions are as common as refusals.
          request: fc.option(routingArgs, { nil: undefined, freq: 1 }),
        }),
        async ({ mode, slackEnabled, emailDomains, agent, action, details, request }) => {
          const policy = POLICIES[mode];
          const recipients: RecipientRules = { slackEnabled, allowedEmailDomains: emailDomains };
          const explained: PolicyExplanation = explainRequest(
            policy,
            parseExplainInput({ agent, action, details, ...(request ? { request } : {}) }),
            { recipients, owner: known(OWNERS[agent]) },
          );

          const world = useCaseWorld({ slackEnabled, allowedEmailDomains: emailDomains });
          const deps = {
            ...world.deps,
            policy: { current: () => policy },
            ownerOf: async (name: string) => OWNERS[name],
          };
          const real = await requestApproval(deps, agent, {
            ...request,
            action_description: action,
            action_details: details,
          }).then(
            (r) => r,
            (error: unknown) => {
              if (error instanceof LoopPauseError) return error;
              throw error;
            },
          );

          if (real instanceof LoopPauseError) {
            expect(real.code).toBe('invalid_argument');
            expect(explained).toMatchObject({ verdict: 'refused', field: real.field });
            return;
          }
          const pause = await world.store.getPause(real.result.pause_id);
          expect(explained.verdict).toBe(real.result.status === 'responded' ? 'decide' : 'route');
          expect(explained).toMatchObject({ rule: pause?.policy_rule });
          if (explained.verdict !== 'route') return;
          expect(explained.route).toEqual({
            ...(pause?.request.recipient_slack === undefined ? {} : { slack: pause.request.recipient_slack }),
            ...(pause?.request.recipient_email === undefined ? {} : { email: pause.request.recipient_email }),
          });
          expect(explained.approvers).toEqual(pause?.request.approvers ?? []);
          expect(explained.timeout_hours).toBe(pause?.request.timeout_hours);
          expect(explained.response_fields).toEqual(pause?.request.response_fields ?? []);
          expect(explained.quorum).toBe(pause?.plan?.quorum);
          expect(explained.excluded_owner).toBe(pause?.plan?.excluded_owner);
          expect(explained.on_timeout).toBe(pause?.plan?.on_timeout);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('explainRequest for a tool call: the tool rules, tool_calls_default, remember', () => {
  const policy = policyOf(TOOL_CALL_POLICY);
  const explain = (args: object, owner: ReturnType<typeof known> = known(undefined)) =>
    explainRequest(policy, parseExplainInput(args), { recipients: SLACK_AND_EMAIL, owner });

  it('a routed call: the rule’s route, approvers, timers and remember; no agent routing', () => {
    const explained = explain({
      agent: 'laptop',
      tool: 'Bash',
      input: { command: 'git push --force origin main' },
      cwd: '/repo',
      session_id: 's-1',
    });
    expect(explained).toEqual(PUSH_EXPLANATION);
    expect(keysOf(explained).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });

  it('decided at once, the default, and a condition that cannot judge the call', () => {
    expect(explain({ agent: 'laptop', tool: 'Read', input: { file_path: '/a' } })).toEqual({
      verdict: 'decide',
      tool: 'Read',
      rule: 'read-only',
      decision: 'approved',
      answer: 'allow',
    });
    expect(explain({ agent: 'laptop', tool: 'Bash', input: { command: 'rm -rf /' } })).toMatchObject({
      verdict: 'decide',
      rule: 'no-rm',
      answer: 'deny',
    });
    expect(explain({ agent: 'laptop', tool: 'Write', input: { file_path: 'Refund *' } })).toEqual({
      verdict: 'default',
      tool: 'Write',
      decision: 'ask',
      answer: 'ask',
    });
    expect(explain({ agent: 'laptop', tool: 'Bash', input: {} })).toEqual({
      verdict: 'refused',
      tool: 'Bash',
      rule: 'pushes',
      field: 'policy',
      reason: expect.stringMatching(/^rules\[3\] \(pushes\)\.if: No such key: command/),
    });
  });

  it('without an agent: judged for "", and says so; the agent globs then do not match', () => {
    const explained = explain({ tool: 'mcp__github__create_issue', input: { title: 'x' } });
    expect(explained).toMatchObject({ verdict: 'default', note: expect.stringContaining('no agent given') });
    expect(explain({ agent: 'ci-main', tool: 'mcp__github__create_issue', input: {} })).toMatchObject({
      verdict: 'route',
      rule: 'github-writes',
    });
  });

  it('owner_cannot_approve: the key’s owner, or a note where it is not known', () => {
    const owned = policyOf(
      'rules:\n  - name: t\n    when: { tool: "*" }\n    route: { email: a@b.co }\n    owner_cannot_approve: true\n',
    );
    const args = parseExplainInput({ agent: 'ci', tool: 'Bash', input: {} });
    expect(explainRequest(owned, args, { recipients: SLACK_AND_EMAIL, owner: known('ann@acme.com') })).toMatchObject({
      owner_cannot_approve: true,
      excluded_owner: 'ann@acme.com',
    });
    const unknown = explainRequest(owned, args, {
      recipients: SLACK_AND_EMAIL,
      owner: { known: false, why: 'not configured' },
    });
    expect(unknown).not.toHaveProperty('excluded_owner');
    expect(unknown).toMatchObject({
      note: expect.stringContaining('the owner of ci is not known here (not configured)'),
    });
  });

  it('parses a tool call by its own rules: strict, the field named', () => {
    const fieldOf = (args: unknown) => {
      try {
        parseExplainInput(args);
      } catch (error) {
        if (error instanceof LoopPauseError) return error.field;
        throw error;
      }
      return 'parsed';
    };
    expect(fieldOf({ tool: 'Bash', input: {} })).toBe('parsed');
    expect(fieldOf({ tool: 'Bash' })).toBe('input');
    expect(fieldOf({ tool: 'Bash', input: [] })).toBe('input');
    expect(fieldOf({ tool: '', input: {} })).toBe('tool');
    expect(fieldOf({ tool: 'Bash', input: {}, action: 'x' })).toBe('action');
    expect(fieldOf({ tool: 'Bash', input: {}, tool_use_id: 'x' })).toBe('tool_use_id');
    expect(fieldOf({ tool: 'Bash', input: {}, agent: '' })).toBe('agent');
    expect(fieldOf({ tool: 'Bash', input: {}, cwd: 7 })).toBe('cwd');
    // A body without `tool` is a request, as before.
    expect(fieldOf({ agent: 'ci' })).toBe('action');
  });
});
