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
