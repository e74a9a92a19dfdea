import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyAgentRouting, type RouteOutcome } from '../../../src/domain/policy/index.js';

const RULE_APPROVERS = ['U0SARAH123', 'cfo@acme.com', 'bob@acme.com'];
const rule: RouteOutcome = {
  kind: 'route',
  rule: 'payments',
  route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
  approvers: RULE_APPROVERS,
  quorum: 1,
  ownerCannotApprove: false,
  responseFields: [],
  timeoutHours: 4,
  remindAfterMs: [],
  escalate: [],
  onTimeout: 'timed_out',
};

const human = fc.oneof(
  fc.constantFrom(...RULE_APPROVERS, 'CFO@ACME.COM', 'mallory@evil.example', 'U0MALLORY1'),
  fc.emailAddress(),
  fc.stringMatching(/^U[A-Z0-9]{8}$/),
);
const key = (h: string) => (h.includes('@') ? h.toLowerCase() : h);

describe('agent_routing: restrict', () => {
  it('never lets a generated agent request widen the rule: approvers, recipients, timeout', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            approvers: fc.array(human, { minLength: 1, maxLength: 6 }),
            recipient_email: fc.oneof(fc.constant('cfo@acme.com'), fc.emailAddress()),
            recipient_slack: fc.constantFrom('#finance-approvals', '#random', 'U0MALLORY1'),
            timeout_hours: fc.double({ min: 0.01, max: 168, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        (asked) => {
          const result = applyAgentRouting('restrict', rule, asked);
          if (!result.ok) return;
          const allowed = new Set(RULE_APPROVERS.map(key));
          for (const approver of result.routing.approvers) expect(allowed.has(key(approver))).toBe(true);
          expect(result.routing.approvers.length).toBeGreaterThan(0);
          expect(result.routing.route).toEqual(rule.route);
          expect(result.routing.timeoutHours ?? 4).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('agent_routing: a rule that decides at its deadline, and maker-checker', () => {
  const deadline: RouteOutcome = { ...rule, quorum: 2, ownerCannotApprove: true, onTimeout: 'approved' };
  it('never accepts a request that shortens the deadline, drops an approver or leaves too few voters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('restrict', 'allow', 'deny' as const),
        fc.record(
          {
            approvers: fc.array(human, { minLength: 1, maxLength: 6 }),
            quorum: fc.integer({ min: 1, max: 5 }),
            timeout_hours: fc.oneof(fc.constant(4), fc.double({ min: Number.MIN_VALUE, max: 168, noNaN: true })),
          },
          { requiredKeys: [] },
        ),
        fc.option(fc.constantFrom(...RULE_APPROVERS, 'CFO@ACME.COM'), { nil: undefined }),
        fc.constantFrom('approved', 'rejected', 'timed_out' as const),
        (mode, asked, owner, onTimeout) => {
          const outcome = { ...deadline, onTimeout };
          const result = applyAgentRouting(mode, outcome, asked, { owner });
          if (!result.ok) return;
          const voters = result.routing.approvers.filter((a) => owner === undefined || key(a) !== key(owner));
          expect(new Set(voters.map(key)).size).toBeGreaterThanOrEqual(result.routing.quorum);
          if (onTimeout === 'timed_out') return;
          expect(result.routing.timeoutHours).toBe(4);
          expect(new Set(result.routing.approvers.map(key))).toEqual(new Set(RULE_APPROVERS.map(key)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
