import { describe, expect, it } from 'vitest';
import {
  type AgentRoutingMode,
  type AgentRoutingRequest,
  applyAgentRouting,
  type RouteOutcome,
} from '../../../src/domain/policy/index.js';

const payments: RouteOutcome = {
  kind: 'route',
  rule: 'payments',
  route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
  approvers: ['U0SARAH123', 'cfo@acme.com', 'bob@acme.com'],
  quorum: 2,
  ownerCannotApprove: true,
  responseFields: [{ name: 'po_number', label: 'PO number', required: true }],
  timeoutHours: 4,
  remindAfterMs: [1_800_000],
  escalate: [{ afterMs: 3_600_000, route: { slack: '#cfo-office' }, approvers: ['U0CFO45678'] }],
  onTimeout: 'timed_out',
};

const open: RouteOutcome = {
  kind: 'route',
  rule: 'open',
  approvers: [],
  quorum: 1,
  ownerCannotApprove: false,
  responseFields: [],
  remindAfterMs: [],
  escalate: [],
  onTimeout: 'timed_out',
};

type Refusal = { field: string; message: RegExp };
const refusals: Array<[string, AgentRoutingMode, RouteOutcome, AgentRoutingRequest, Refusal]> = [
  // Widening under restrict (and allow, where the rule gives the value).
  ...(['restrict', 'allow'] as const).flatMap(
    (mode): Array<[string, AgentRoutingMode, RouteOutcome, AgentRoutingRequest, Refusal]> => [
      [
        `${mode}: another Slack recipient`,
        mode,
        payments,
        { recipient_slack: '#random' },
        { field: 'recipient_slack', message: /#finance-approvals/ },
      ],
      [
        `${mode}: another e-mail recipient`,
        mode,
        payments,
        { recipient_email: 'eve@evil.com' },
        { field: 'recipient_email', message: /cfo@acme.com/ },
      ],
      [
        `${mode}: an extra approver`,
        mode,
        payments,
        { approvers: ['cfo@acme.com', 'eve@evil.com'] },
        { field: 'approvers', message: /eve@evil.com is not one of the approvers of policy rule "payments"/ },
      ],
      [`${mode}: a smaller quorum`, mode, payments, { quorum: 1 }, { field: 'quorum', message: /at least 2/ }],
      [
        `${mode}: a quorum beyond reach`,
        mode,
        payments,
        { quorum: 5 },
        { field: 'quorum', message: /more than the 4 distinct approvers/ },
      ],
      [
        `${mode}: too few approvers for the quorum`,
        mode,
        payments,
        { approvers: ['U0SARAH123'], quorum: 3 },
        { field: 'quorum', message: /more than the 2/ },
      ],
      [
        `${mode}: a longer timeout`,
        mode,
        payments,
        { timeout_hours: 5 },
        { field: 'timeout_hours', message: /at most 4/ },
      ],
    ],
  ),
  [
    'restrict: a rule without route',
    'restrict',
    open,
    { recipient_slack: '#x' },
    { field: 'policy', message: /routes nowhere/ },
  ],
  [
    'allow: no route from the rule nor the agent',
    'allow',
    open,
    {},
    { field: 'recipient_slack', message: /is required/ },
  ],
  [
    'deny: a Slack recipient, even the rule’s own',
    'deny',
    payments,
    { recipient_slack: '#finance-approvals' },
    { field: 'recipient_slack', message: /deny/ },
  ],
  [
    'deny: an e-mail recipient',
    'deny',
    payments,
    { recipient_email: 'cfo@acme.com' },
    { field: 'recipient_email', message: /deny/ },
  ],
  [
    'deny: approvers, even a subset',
    'deny',
    payments,
    { approvers: ['cfo@acme.com'] },
    { field: 'approvers', message: /deny/ },
  ],
  ['deny: a smaller quorum', 'deny', payments, { quorum: 1 }, { field: 'quorum', message: /at least 2/ }],
  ['deny: a longer timeout', 'deny', payments, { timeout_hours: 24 }, { field: 'timeout_hours', message: /at most 4/ }],
  ['any: a fractional quorum', 'restrict', payments, { quorum: 2.5 }, { field: 'quorum', message: /whole number/ }],
  [
    'any: more than 10 response fields with the rule’s',
    'restrict',
    payments,
    { response_fields: Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, label: `F${i}` })) },
    { field: 'response_fields', message: /exceed 10/ },
  ],
];

describe('applyAgentRouting: refusals name the field', () => {
  it.each(refusals)('%s', (_label, mode, outcome, asked, expected) => {
    const result = applyAgentRouting(mode, outcome, asked);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toBe(expected.field);
    expect(result.reason).toMatch(expected.message);
  });
});

describe('applyAgentRouting: what is allowed', () => {
  it.each(['allow', 'restrict', 'deny'] as const)('%s: nothing asked → the rule as written', (mode) => {
    const result = applyAgentRouting(mode, payments, {});
    const { kind: _kind, ...plan } = payments;
    expect(result).toEqual({
      ok: true,
      routing: { ...plan, route: payments.route, agentChose: { route: false, approvers: false } },
    });
  });

  it.each(['allow', 'restrict'] as const)('%s: the agent narrows every knob', (mode) => {
    const result = applyAgentRouting(mode, payments, {
      recipient_slack: '#finance-approvals',
      recipient_email: 'CFO@acme.com',
      approvers: ['U0SARAH123', 'Bob@acme.com', 'bob@acme.com'],
      quorum: 3,
      response_fields: [
        { name: 'po_number', label: 'Ignored: the rule’s definition wins' },
        { name: 'reason', label: 'Reason', required: true },
      ],
      timeout_hours: 1,
    });
    expect(result).toEqual({
      ok: true,
      routing: {
        rule: 'payments',
        route: payments.route,
        agentChose: { route: false, approvers: false },
        approvers: ['U0SARAH123', 'Bob@acme.com'],
        quorum: 3,
        ownerCannotApprove: true,
        responseFields: [
          { name: 'po_number', label: 'PO number', required: true },
          { name: 'reason', label: 'Reason', required: true },
        ],
        timeoutHours: 1,
        remindAfterMs: payments.remindAfterMs,
        escalate: payments.escalate,
        onTimeout: 'timed_out',
      },
    });
  });

  it('deny: the agent may still raise the quorum, add fields and shorten the timeout', () => {
    const result = applyAgentRouting('deny', payments, { quorum: 3, timeout_hours: 2, response_fields: [] });
    expect(result.ok && [result.routing.quorum, result.routing.timeoutHours]).toEqual([3, 2]);
  });

  it('allow: the agent fills what the rule leaves open', () => {
    const result = applyAgentRouting('allow', open, {
      recipient_email: 'ops@acme.com',
      approvers: ['ops@acme.com', 'U0OPS12345'],
      quorum: 2,
      timeout_hours: 48,
    });
    expect(result).toEqual({
      ok: true,
      routing: {
        rule: 'open',
        route: { email: 'ops@acme.com' },
        agentChose: { route: true, approvers: true },
        approvers: ['ops@acme.com', 'U0OPS12345'],
        quorum: 2,
        ownerCannotApprove: false,
        responseFields: [],
        timeoutHours: 48,
        remindAfterMs: [],
        escalate: [],
        onTimeout: 'timed_out',
      },
    });
  });

  it('restrict: naming approvers narrows a rule that lets anyone at the route decide', () => {
    const anyone = { ...payments, approvers: [], quorum: 1, escalate: [] };
    const result = applyAgentRouting('restrict', anyone, { approvers: ['dana@acme.com'] });
    expect(result.ok && result.routing.approvers).toEqual(['dana@acme.com']);
  });

  it('counts escalation approvers toward the reachable quorum', () => {
    const result = applyAgentRouting('restrict', payments, { approvers: ['U0SARAH123'], quorum: 2 });
    expect(result.ok && result.routing.approvers).toEqual(['U0SARAH123']);
  });
});

/** A rule that decides at its deadline: the agent must not be able to bring that decision forward. */
describe('applyAgentRouting: a rule that decides at its deadline', () => {
  const deploys: RouteOutcome = { ...payments, rule: 'deploys', quorum: 1, escalate: [], onTimeout: 'approved' };
  const nowhere: RouteOutcome = { ...open, rule: 'deploys', onTimeout: 'approved' };
  const anyone: RouteOutcome = { ...deploys, approvers: [] };
  type Case = [string, AgentRoutingMode, RouteOutcome, AgentRoutingRequest, string];
  const cases: Case[] = (['restrict', 'allow', 'deny'] as const).flatMap((mode): Case[] => [
    [`${mode}: a shorter timeout`, mode, deploys, { timeout_hours: 1e-300 }, 'timeout_hours'],
    [`${mode}: a slightly shorter timeout`, mode, deploys, { timeout_hours: 3.999 }, 'timeout_hours'],
    [
      `${mode}: shorter than the default 24 h`,
      mode,
      { ...deploys, timeoutHours: undefined },
      { timeout_hours: 23 },
      'timeout_hours',
    ],
    ...(mode === 'deny'
      ? []
      : ([
          [`${mode}: fewer approvers`, mode, deploys, { approvers: ['cfo@acme.com'] }, 'approvers'],
          [
            `${mode}: approvers where the rule lets anyone reached decide`,
            mode,
            anyone,
            { approvers: ['cfo@acme.com'] },
            'approvers',
          ],
        ] as Case[])),
    ...(mode === 'allow'
      ? ([[`${mode}: the agent's own route`, mode, nowhere, { recipient_email: 'dead@acme.com' }, 'policy']] as Case[])
      : []),
  ]);
  it.each(cases)('%s is refused', (_label, mode, outcome, asked, field) => {
    const result = applyAgentRouting(mode, outcome, asked);
    expect(result).toMatchObject({ ok: false, field });
  });

  it('keeps the rule’s timeout when the agent repeats it, and every approver in any spelling', () => {
    const result = applyAgentRouting('restrict', deploys, {
      timeout_hours: 4,
      approvers: ['u0sarah123'.toUpperCase(), 'CFO@acme.com', 'bob@acme.com'],
    });
    expect(result.ok && [result.routing.timeoutHours, result.routing.approvers.length]).toEqual([4, 3]);
  });

  it('times out as before where the rule only times out: the agent may still shorten it', () => {
    const result = applyAgentRouting('restrict', { ...deploys, onTimeout: 'timed_out' }, { timeout_hours: 0.5 });
    expect(result.ok && result.routing.timeoutHours).toBe(0.5);
  });
});

describe('applyAgentRouting: the key owner is no voter under maker-checker', () => {
  const checked: RouteOutcome = { ...payments, quorum: 1, escalate: [] };
  it('refuses approvers narrowed to the owner alone, in any spelling', () => {
    for (const owner of ['cfo@acme.com', 'CFO@ACME.COM']) {
      const result = applyAgentRouting('restrict', checked, { approvers: ['cfo@acme.com'] }, { owner });
      expect(result).toMatchObject({ ok: false, field: 'approvers' });
    }
  });
  it('refuses a quorum only the owner could complete', () => {
    const result = applyAgentRouting('restrict', checked, { quorum: 3 }, { owner: 'bob@acme.com' });
    expect(result).toMatchObject({ ok: false, field: 'quorum' });
  });
  it('counts the owner where the rule lets owners vote', () => {
    const result = applyAgentRouting(
      'restrict',
      { ...checked, ownerCannotApprove: false },
      { approvers: ['cfo@acme.com'] },
      { owner: 'cfo@acme.com' },
    );
    expect(result.ok).toBe(true);
  });
});
