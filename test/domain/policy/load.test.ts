import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/domain/hash.js';
import { type Policy, parsePolicy } from '../../../src/domain/policy/index.js';
import { EXAMPLE_POLICY } from './fixtures.js';

function errorsOf(yaml: string): string[] {
  const result = parsePolicy(yaml);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.errors;
}

function policyOf(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

describe('parsePolicy: the documented example', () => {
  const policy = policyOf(EXAMPLE_POLICY);

  it('keeps the document-level settings, the digest of the source and the expanded groups', () => {
    expect(policy.digest).toBe(sha256Hex(EXAMPLE_POLICY));
    expect(policy.agentRouting).toBe('restrict');
    expect(policy.admins).toEqual(['admin@acme.com']);
    expect(policy.groups).toEqual({ finance: ['U0SARAH123', 'cfo@acme.com'], cfo: ['U0CFO45678', 'cfo@acme.com'] });
  });

  it('compiles small-refunds as an auto-decision with its conditions', () => {
    const [refunds] = policy.rules;
    expect(refunds?.name).toBe('small-refunds');
    expect(refunds?.when).toEqual({
      agents: ['support-bot'],
      action: 'Refund *',
      if: 'double(details.amount) <= 50.0',
    });
    expect(refunds?.effect).toEqual({ kind: 'decide', decision: 'approved' });
    expect(refunds?.condition).toBeTypeOf('function');
  });

  it('compiles payments with groups expanded and durations in ms', () => {
    expect(policy.rules[1]?.effect).toEqual({
      kind: 'route',
      route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
      approvers: ['U0SARAH123', 'cfo@acme.com'],
      quorum: 2,
      ownerCannotApprove: true,
      responseFields: [{ name: 'po_number', label: 'PO number', required: true }],
      timeoutHours: 4,
      remindAfterMs: [30 * 60_000, 2 * 3_600_000],
      escalate: [{ afterMs: 3_600_000, route: { slack: '#cfo-office' }, approvers: ['U0CFO45678', 'cfo@acme.com'] }],
      onTimeout: 'rejected',
    });
  });
});

describe('parsePolicy: defaults', () => {
  it('defaults agent_routing to restrict, quorum to 1, on_timeout to timed_out', () => {
    const policy = policyOf('rules:\n  - name: all\n    route: { email: ops@acme.com }\n');
    expect(policy.agentRouting).toBe('restrict');
    expect(policy.groups).toEqual({});
    expect(policy.admins).toEqual([]);
    expect(policy.rules[0]?.effect).toEqual({
      kind: 'route',
      route: { email: 'ops@acme.com' },
      approvers: [],
      quorum: 1,
      ownerCannotApprove: false,
      responseFields: [],
      remindAfterMs: [],
      escalate: [],
      onTimeout: 'timed_out',
    });
  });

  it('lets a rule without route stand only under agent_routing: allow', () => {
    expect(policyOf('agent_routing: allow\nrules: [{ name: any }]').rules[0]?.effect.kind).toBe('route');
    expect(errorsOf('agent_routing: deny\nrules: [{ name: any }]')).toEqual([
      'rules[0].route: is required with agent_routing: deny (only allow lets the agent choose)',
    ]);
  });

  it('refuses, even under allow, a rule without route that decides at its deadline (the agent would pick who hears of it)', () => {
    for (const outcome of ['approved', 'rejected']) {
      expect(errorsOf(`agent_routing: allow\nrules: [{ name: any, on_timeout: ${outcome} }]`)).toEqual([
        `rules[0].route: is required with on_timeout: ${outcome} (the rule decides at its deadline)`,
      ]);
    }
    expect(policyOf('agent_routing: allow\nrules: [{ name: any, on_timeout: timed_out }]').rules).toHaveLength(1);
  });

  it('deduplicates approvers across groups and spellings of an e-mail', () => {
    const policy = policyOf(`
groups:
  a: [U0AAAAAAA, Sarah@acme.com]
  b: [sarah@acme.com, U0BBBBBBB]
rules:
  - name: r
    route: { slack: "#x" }
    approvers: [group:a, group:b, U0AAAAAAA]
`);
    const effect = policy.rules[0]?.effect;
    expect(effect?.kind === 'route' && effect.approvers).toEqual(['U0AAAAAAA', 'Sarah@acme.com', 'U0BBBBBBB']);
  });

  it('accepts every duration form: 90s, 30m, 2h, 1d, bare seconds', () => {
    const policy = policyOf(
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    remind_after: [90s, 30m, 2h, 1d, 45, "60"]\n',
    );
    const effect = policy.rules[0]?.effect;
    expect(effect?.kind === 'route' && effect.remindAfterMs).toEqual([
      90_000, 1_800_000, 7_200_000, 86_400_000, 45_000, 60_000,
    ]);
  });
});

describe('parsePolicy: every refusal names its place', () => {
  const cases: Array<[string, string, string]> = [
    [
      'unknown group',
      'groups: { finance: [cfo@acme.com] }\nrules:\n  - name: r\n    route: { slack: "#x" }\n    approvers: [cfo@acme.com, group:finanse]\n',
      'rules[0].approvers[1]: unknown group "finanse"',
    ],
    [
      'unknown group in an escalation',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    escalate: [{ after: 1h, approvers: [group:cfo] }]\n',
      'rules[0].escalate[0].approvers[0]: unknown group "cfo"',
    ],
    [
      'CEL that does not compile',
      'rules:\n  - name: ok\n    decide: approved\n    when: { if: "true" }\n  - name: bad\n    decide: rejected\n    when: { if: "details.amount >" }\n',
      'rules[1].when.if: does not compile: ',
    ],
    [
      'an unknown CEL variable',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: "user.role == \'admin\'" }\n',
      'rules[0].when.if: unknown variable user (only agent, action, details are declared)',
    ],
    [
      'a CEL condition that is not boolean',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: "details.amount" }\n',
      'rules[0].when.if: must be a boolean expression, not string',
    ],
    [
      'a CEL type error',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: "agent + 1 == 2" }\n',
      'rules[0].when.if: does not compile: ',
    ],
    [
      'a duplicate rule name',
      'rules:\n  - { name: a, decide: approved }\n  - { name: b, decide: approved }\n  - { name: a, decide: rejected }\n',
      'rules[2].name: duplicates rules[0] ("a")',
    ],
    [
      'a quorum larger than the approvers it can reach',
      'groups: { g: [U0AAAAAAA, a@acme.com] }\nrules:\n  - name: r\n    route: { slack: "#x" }\n    approvers: [group:g, A@acme.com]\n    escalate: [{ after: 1h, approvers: [U0AAAAAAA] }]\n    quorum: 3\n',
      'rules[0].quorum: 3 is more than the 2 distinct approvers the rule can reach',
    ],
    [
      'an unknown key in a rule',
      'rules:\n  - name: r\n    decide: approved\n    approver: [a@acme.com]\n',
      'rules[0].approver: unknown key',
    ],
    [
      'an unknown key in when',
      'rules:\n  - name: r\n    decide: approved\n    when: { agent: x }\n',
      'rules[0].when.agent: unknown key',
    ],
    ['an unknown top-level key', 'rule: []\nrules: [{ name: r, decide: approved }]\n', 'rule: unknown key'],
    [
      'a bad duration',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    remind_after: [30m, 2 hours]\n',
      'rules[0].remind_after[1]: must be a duration like 90s, 30m, 2h, 1d or a number of seconds',
    ],
    [
      'a bad escalation duration',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    escalate: [{ after: -5, route: { slack: "#y" } }]\n',
      'rules[0].escalate[0].after: must be a duration',
    ],
    ['a YAML syntax error, with its line', 'rules:\n  - name: r\n    when: { action: "x"\n', 'line 4, column 1: '],
    ['a duplicate YAML key, with its line', 'rules: []\nrules: []\n', 'line 2, column 1: Map keys must be unique'],
    ['missing rules', 'groups: {}\n', 'rules: is required'],
    ['no rules', 'rules: []\n', 'rules: must have at least one rule'],
    ['a document that is not a mapping', '- a\n- b\n', 'policy: must be a mapping'],
    ['an empty file', '', 'policy: must be a mapping'],
    [
      'decide with routing keys',
      'rules:\n  - { name: r, decide: approved, quorum: 2 }\n',
      'rules[0].quorum: cannot be combined with decide',
    ],
    ['a bad decision', 'rules:\n  - { name: r, decide: maybe }\n', 'rules[0].decide: must be approved or rejected'],
    [
      'a Slack route outside the request pattern',
      'rules:\n  - { name: r, route: { slack: "finance" } }\n',
      'rules[0].route.slack: must be #channel-name',
    ],
    ['an empty route', 'rules:\n  - { name: r, route: {} }\n', 'rules[0].route: must name slack and/or email'],
    [
      'a bad route e-mail',
      'rules:\n  - { name: r, route: { email: nope } }\n',
      'rules[0].route.email: must be an e-mail',
    ],
    [
      'a bad approver',
      'rules:\n  - { name: r, route: { slack: "#x" }, approvers: [sarah] }\n',
      'rules[0].approvers[0]: must be group:NAME, an e-mail address or a Slack user id',
    ],
    [
      'a bad group member',
      'groups: { g: ["#channel"] }\nrules: [{ name: r, decide: approved }]\n',
      'groups.g[0]: must be an e-mail address or a Slack user id',
    ],
    ['quorum 0', 'rules:\n  - { name: r, route: { slack: "#x" }, quorum: 0 }\n', 'rules[0].quorum: must be at least 1'],
    [
      'timeout_hours beyond the request limit',
      'rules:\n  - { name: r, route: { slack: "#x" }, timeout_hours: 169 }\n',
      'rules[0].timeout_hours: must be at most 168',
    ],
    [
      'a reminder after the timeout',
      'rules:\n  - { name: r, route: { slack: "#x" }, timeout_hours: 1, remind_after: [30m, 1h] }\n',
      'rules[0].remind_after[1]: must be shorter than timeout_hours (1h)',
    ],
    [
      'escalations out of order',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    escalate: [{ after: 2h, route: { slack: "#y" } }, { after: 1h, route: { slack: "#z" } }]\n',
      'rules[0].escalate[1].after: must be later than escalate[0].after',
    ],
    [
      'an escalation step with nothing to do',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    escalate: [{ after: 1h }]\n',
      'rules[0].escalate[0]: must give route and/or approvers',
    ],
    [
      'a bad on_timeout',
      'rules:\n  - { name: r, route: { slack: "#x" }, on_timeout: expired }\n',
      'rules[0].on_timeout: must be',
    ],
    [
      'duplicate response field names',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    response_fields: [{ name: a, label: A }, { name: a, label: B }]\n',
      'rules[0].response_fields: names must be unique',
    ],
    [
      'a bad response field',
      'rules:\n  - name: r\n    route: { slack: "#x" }\n    response_fields: [{ name: 9a, label: A }]\n',
      'rules[0].response_fields[0].name: must start with a letter',
    ],
    ['a bad rule name', 'rules:\n  - { name: "has space", decide: approved }\n', 'rules[0].name: must start with'],
    [
      'matches() with a pattern the agent controls',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: "action.matches(details.re)" }\n',
      'rules[0].when.if: matches() needs a literal pattern',
    ],
    [
      'matches() with an invalid pattern',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: \'action.matches("(")\' }\n',
      'rules[0].when.if: matches() pattern "(" (rule r) is not a valid regular expression (RE2 syntax): missing closing )',
    ],
    [
      'comprehensions nested too deep',
      'rules:\n  - name: r\n    decide: approved\n    when: { if: "details.all(a, details.all(b, details.all(c, a != c)))" }\n',
      'rules[0].when.if: nests comprehensions',
    ],
    [
      'YAML alias bombs',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nrules: []\n`,
      'policy: ',
    ],
  ];

  it.each(cases)('refuses %s', (_label, yaml, expected) => {
    const errors = errorsOf(yaml);
    expect(
      errors.some((error) => error.startsWith(expected)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('reports every cross-check failure at once', () => {
    const errors = errorsOf(`
rules:
  - { name: a, route: { slack: "#x" }, approvers: [group:nope] }
  - { name: a, decide: approved, when: { if: "nope" } }
`);
    expect(errors).toEqual([
      'rules[0].approvers[0]: unknown group "nope"',
      'rules[1].name: duplicates rules[0] ("a")',
      'rules[1].when.if: unknown variable nope (only agent, action, details are declared)',
    ]);
  });
});
