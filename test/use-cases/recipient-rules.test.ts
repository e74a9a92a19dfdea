import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApprovalRequest, type ApprovalRequestInput, requestApprovalSchema } from '../../src/domain/schemas.js';
import { parseInput } from '../../src/domain/validation.js';
import { checkRecipients, type RecipientRules } from '../../src/use-cases/recipient-rules.js';
import { expectThrowsLoopPause, requestArgs } from '../helpers/use-cases.js';

/** A request as the use case sees it: parsed by the real schema. */
const parsed = (extra: Partial<ApprovalRequestInput>): ApprovalRequest =>
  parseInput(requestApprovalSchema, requestArgs(extra));

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
/** Few domains, so an address's domain is often in the allowed list and often not. */
const DOMAINS = ['example.com', 'corp.io', 'a.test', 'b.org'];
const domain = fc.constantFrom(...DOMAINS);
const allowedDomains = fc.subarray(DOMAINS);
const address = fc.tuple(label, fc.mixedCase(domain)).map(([local, d]) => `${local}@${d}`);
const slackUser = fc.stringMatching(/^U[A-Z0-9]{8}$/);
const channelName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/).map((n) => `#${n}`);
const channelId = fc.stringMatching(/^C[A-Z0-9]{8}$/);

const rules = (over: Partial<RecipientRules>): RecipientRules => ({ slackEnabled: true, ...over });
const allows = (request: ApprovalRequest, r: RecipientRules): boolean => {
  try {
    checkRecipients(request, r);
    return true;
  } catch {
    return false;
  }
};

describe('checkRecipients: allowed e-mail domains', () => {
  it('an e-mail recipient passes exactly when its domain, in lower case, is allowed (property)', () => {
    fc.assert(
      fc.property(address, allowedDomains, (to, allowed) => {
        const expected = allowed.includes(to.slice(to.indexOf('@') + 1).toLowerCase());
        expect(allows(parsed({ recipient_email: to }), rules({ allowedEmailDomains: allowed }))).toBe(expected);
      }),
    );
  });

  it('every e-mail approver is held to the same rule, and the error names the first one outside it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(address, slackUser), { minLength: 1, maxLength: 6 }),
        allowedDomains,
        (approvers, allowed) => {
          const request = parsed({ recipient_slack: '#ops', approvers });
          const outside = approvers.findIndex(
            (a) => a.includes('@') && !allowed.includes(a.slice(a.indexOf('@') + 1).toLowerCase()),
          );
          const r = rules({ allowedEmailDomains: allowed });
          if (outside === -1) expect(allows(request, r)).toBe(true);
          else expectThrowsLoopPause(() => checkRecipients(request, r), 'invalid_argument', `approvers.${outside}`);
        },
      ),
    );
  });

  it('Slack user ids among the approvers are never domain-checked', () => {
    const request = parsed({ recipient_slack: '#ops', approvers: ['U0ADA0001', 'W0BOB0001'] });
    expect(allows(request, rules({ allowedEmailDomains: [] }))).toBe(true);
  });

  it('names the recipient field and the allowed domains in the error', () => {
    const error = expectThrowsLoopPause(
      () => checkRecipients(parsed({ recipient_email: 'me@attacker.test' }), rules({ allowedEmailDomains: ['a.com'] })),
      'invalid_argument',
      'recipient_email',
    );
    expect(error.message).toContain('attacker.test');
    expect(error.message).toContain('a.com');
  });
});

describe('checkRecipients: allowed Slack destinations', () => {
  it('a #name passes in any letter case when its lower case is allowed; ids only exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(channelName, channelId, slackUser),
        fc.array(fc.oneof(channelName, channelId, slackUser), { maxLength: 4 }),
        fc.boolean(),
        (target, others, listed) => {
          const allowed = listed ? [...others, target] : others;
          const request = parsed({ recipient_slack: target });
          expect(allows(request, rules({ allowedSlackChannels: allowed }))).toBe(allowed.includes(target));
        },
      ),
    );
  });

  it('an upper-case #name the schema would take is matched in lower case', () => {
    // The schema only takes lower-case #names; the rule lowercases anyway, so a looser schema stays safe.
    const request = { ...parsed({ recipient_slack: '#ops' }), recipient_slack: '#OPS' };
    expect(allows(request, rules({ allowedSlackChannels: ['#ops'] }))).toBe(true);
    expect(allows(request, rules({ allowedSlackChannels: ['#OPS'] }))).toBe(false);
  });

  it('an e-mail-only request is not held to the Slack list', () => {
    expect(allows(parsed({ recipient_email: 'ops@example.com' }), rules({ allowedSlackChannels: [] }))).toBe(true);
  });
});

describe('checkRecipients: Slack not configured', () => {
  it('refuses a Slack-only request, naming recipient_slack; takes one with an e-mail as well', () => {
    const off = rules({ slackEnabled: false });
    expectThrowsLoopPause(
      () => checkRecipients(parsed({ recipient_slack: '#ops' }), off),
      'invalid_argument',
      'recipient_slack',
    );
    expect(allows(parsed({ recipient_slack: '#ops', recipient_email: 'ops@example.com' }), off)).toBe(true);
    expect(allows(parsed({ recipient_email: 'ops@example.com' }), off)).toBe(true);
  });
});

describe('checkRecipients: no lists', () => {
  it('allows any destination the schema takes (property)', () => {
    fc.assert(
      fc.property(
        address,
        fc.oneof(channelName, channelId, slackUser),
        fc.array(address, { maxLength: 3 }),
        (to, s, a) => {
          const request = parsed({
            recipient_email: to,
            recipient_slack: s,
            ...(a.length > 0 ? { approvers: a } : {}),
          });
          expect(allows(request, rules({}))).toBe(true);
        },
      ),
    );
  });
});
