import { describe, expect, it } from 'vitest';
import { requestDigest } from '../../src/domain/idempotency.js';
import { requestApprovalSchema } from '../../src/domain/schemas.js';

const base = {
  action_description: 'Refund order #1042',
  action_details: { amount: '120', currency: 'EUR' },
  recipient_email: 'fin@example.com',
  idempotency_key: 'k1',
};
const digest = (input: object) => requestDigest(requestApprovalSchema.parse(input));

describe('requestDigest', () => {
  it('ignores the key itself and the order of keys, at every depth', () => {
    const reordered = {
      idempotency_key: 'another-key',
      recipient_email: 'fin@example.com',
      action_details: { currency: 'EUR', amount: '120' },
      action_description: 'Refund order #1042',
    };
    expect(digest(reordered)).toBe(digest(base));
    expect(digest({ ...base, timeout_hours: 24 })).toBe(digest(base));
  });

  it('changes with every part of the request a human sees or that routes it', () => {
    const variants = [
      { action_description: 'Refund order #1043' },
      { action_details: { amount: '9999', currency: 'EUR' } },
      { recipient_email: 'mallory@example.com' },
      { recipient_slack: '#ops' },
      { approvers: ['cfo@example.com'] },
      { timeout_hours: 2 },
      { response_fields: [{ name: 'po', label: 'PO' }] },
    ];
    const digests = new Set([digest(base), ...variants.map((v) => digest({ ...base, ...v }))]);
    expect(digests.size).toBe(variants.length + 1);
  });
});
