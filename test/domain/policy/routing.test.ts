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
  onTimeout: 'rejected',
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
    expect(result.message).toMatch(expected.message);
  });
});

describe('applyAgentRouting: what is allowed', () => {
  it.each(['allow', 'restrict', 'deny'] as const)('%s: nothing asked → the rule as written', (mode) => {
    const result = applyAgentRouting(mode, payments, {});
    const { kind: _kind, ...plan } = payments;
    expect(result).toEqual({ ok: true, routing: { ...plan, route: payments.route } });
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
        onTimeout: 'rejected',
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
