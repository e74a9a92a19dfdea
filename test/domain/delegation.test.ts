import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  awayNotice,
  checkDelegation,
  conflictRefusal,
  delegationInputSchema,
  delegationModeOf,
} from '../../src/domain/delegation.js';
import { parsePolicy } from '../../src/domain/policy/index.js';
import type { Policy } from '../../src/domain/policy/types.js';
import { isHumanId } from '../../src/domain/schemas.js';

const now = Date.parse('2026-12-01T09:00:00Z');
const tomorrow = '2026-12-02T09:00:00Z';

function policy(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.policy;
}

const finance = (extra = '') => `
groups:
  finance: [sarah@acme.com, bob@acme.com]
${extra}
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance" }
    approvers: [group:finance]
`;

describe('checkDelegation', () => {
  it('refuses a delegation to oneself, whatever the case of the address', () => {
    expect(
      checkDelegation({ absent: 'sarah@acme.com', delegate: 'Sarah@Acme.com', until: tomorrow }, now, undefined),
    ).toEqual({
      field: 'delegate',
      reason: expect.stringContaining('cannot be the person who is away'),
    });
  });

  it('refuses an end in the past or now, and one more than 90 days away', () => {
    const at = (until: string) =>
      checkDelegation({ absent: 'a@acme.com', delegate: 'b@acme.com', until }, now, undefined);
    expect(at('2026-12-01T08:59:59Z')).toEqual({ field: 'until', reason: expect.stringContaining('in the past') });
    expect(at('2026-12-01T09:00:00Z')).toEqual({ field: 'until', reason: expect.stringContaining('in the past') });
    expect(at('2027-03-02T09:00:01Z')).toEqual({ field: 'until', reason: expect.stringContaining('90 days') });
    expect(at(tomorrow)).toBeUndefined();
  });

  it('within_group (the default): the delegate must be among the approvers of a rule the absent person approves for', () => {
    const p = policy(finance());
    expect(p.delegation).toBe('within_group');
    expect(
      checkDelegation({ absent: 'sarah@acme.com', delegate: 'bob@acme.com', until: tomorrow }, now, p),
    ).toBeUndefined();
    expect(checkDelegation({ absent: 'sarah@acme.com', delegate: 'eve@acme.com', until: tomorrow }, now, p)).toEqual({
      field: 'delegate',
      reason: expect.stringContaining('within_group'),
    });
  });

  it('deny at the top level refuses; a rule may override it either way', () => {
    const denied = policy(finance('delegation: deny'));
    expect(
      checkDelegation({ absent: 'sarah@acme.com', delegate: 'bob@acme.com', until: tomorrow }, now, denied),
    ).toEqual({
      field: 'policy',
      reason: expect.stringContaining('delegation: deny'),
    });
    const ruleAny = policy(`${finance('delegation: deny')}    delegation: any\n`);
    expect(ruleAny.rules[0]?.effect).toMatchObject({ delegation: 'any' });
    expect(
      checkDelegation({ absent: 'sarah@acme.com', delegate: 'eve@acme.com', until: tomorrow }, now, ruleAny),
    ).toBeUndefined();
    const ruleDeny = policy(`${finance('delegation: any')}    delegation: deny\n`);
    expect(
      checkDelegation({ absent: 'sarah@acme.com', delegate: 'bob@acme.com', until: tomorrow }, now, ruleDeny),
    ).toEqual({
      field: 'policy',
      reason: expect.stringContaining('delegation: deny'),
    });
  });

  it('for someone no rule names, the top level decides alone', () => {
    const any = policy(finance('delegation: any'));
    expect(
      checkDelegation({ absent: 'zed@acme.com', delegate: 'eve@acme.com', until: tomorrow }, now, any),
    ).toBeUndefined();
    expect(
      checkDelegation({ absent: 'zed@acme.com', delegate: 'eve@acme.com', until: tomorrow }, now, policy(finance())),
    ).toMatchObject({ field: 'delegate' });
  });

  it('the policy refuses a bad delegation key, and one beside decide', () => {
    expect(parsePolicy(finance('delegation: sometimes'))).toMatchObject({
      ok: false,
      errors: ['delegation: must be deny, within_group or any'],
    });
    const beside = parsePolicy('rules:\n  - name: auto\n    decide: approved\n    delegation: any\n');
    expect(beside).toMatchObject({ ok: false, errors: ['rules[0].delegation: cannot be combined with decide'] });
  });
});

describe('delegation input at the edge', () => {
  it('names the field of a bad identity or time', () => {
    const bad = delegationInputSchema.safeParse({ absent: '#channel', delegate: 'bob@acme.com', until: 'Friday' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['absent', 'until']);
  });

  it('never accepts anything but a human and an ISO time (fuzzed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('U0SARAH123', 'sarah@acme.com', ' sarah@acme.com ', '<!channel>')),
        fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        (absent, until) => {
          const parsed = delegationInputSchema.safeParse({ absent, delegate: 'bob@acme.com', until });
          if (!parsed.success) return;
          expect(isHumanId(parsed.data.absent)).toBe(true);
          expect(Number.isFinite(Date.parse(parsed.data.until))).toBe(true);
        },
      ),
    );
  });
});

describe('modes, conflicts and the notice', () => {
  it('reads a plan without a mode as within_group, and no plan (no policy) as any', () => {
    expect(delegationModeOf(undefined)).toBe('any');
    expect(delegationModeOf({})).toBe('within_group');
    expect(delegationModeOf({ delegation: 'deny' })).toBe('deny');
  });

  it('says why a loop or a chain is refused', () => {
    expect(conflictRefusal('delegate_away', { absent: 'a@acme.com', delegate: 'b@acme.com' })).toEqual({
      field: 'delegate',
      reason: expect.stringContaining('b@acme.com is away themselves'),
    });
    expect(conflictRefusal('absent_is_delegate', { absent: 'a@acme.com', delegate: 'b@acme.com' }).field).toBe(
      'absent',
    );
  });

  it('says who is away until when and who decides', () => {
    const names: Record<string, string> = { s: 'Sarah', b: 'Bob' };
    expect(awayNotice({ absent: 's', delegate: 'b', until: '2026-12-25T17:00:00Z' }, (id) => names[id] ?? id)).toBe(
      'Sarah is away until Fri, 25 Dec 2026 17:00 UTC — Bob decides for them',
    );
  });
});
