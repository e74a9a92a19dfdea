import { describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import { checkApprovalSchema, requestApprovalSchema } from '../../src/domain/schemas.js';
import { parseInput } from '../../src/domain/validation.js';

const valid = { action_description: 'Deploy v2', action_details: {}, recipient_email: 'ops@example.com' };

function errorOf(input: unknown): LoopPauseError {
  try {
    parseInput(requestApprovalSchema, input);
  } catch (error) {
    if (error instanceof LoopPauseError) return error;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('request_approval arguments', () => {
  it('accepts a minimal request and fills defaults', () => {
    const parsed = parseInput(requestApprovalSchema, valid);
    expect(parsed.timeout_hours).toBe(24);
    expect(parsed.action_details).toEqual({});
  });

  it.each([
    [{ ...valid, action_description: '' }, 'action_description', 'must not be empty'],
    [{ ...valid, action_description: 'x'.repeat(3001) }, 'action_description', 'at most 3000'],
    [{ action_details: {}, recipient_email: 'a@b.co' }, 'action_description', 'is required'],
    [{ ...valid, action_details: undefined }, 'action_details', 'is required'],
    [{ ...valid, action_details: { a: 1 } }, 'action_details.a', ''],
    [
      { ...valid, action_details: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      'action_details',
      'at most 50',
    ],
    [{ ...valid, recipient_email: 'not-an-email' }, 'recipient_email', 'e-mail'],
    [{ action_description: 'x', action_details: {} }, 'recipient_slack', 'at least one of'],
    [{ ...valid, recipient_slack: '@here' }, 'recipient_slack', '#channel'],
    [{ ...valid, timeout_hours: 0 }, 'timeout_hours', 'greater than 0'],
    [{ ...valid, timeout_hours: 169 }, 'timeout_hours', 'at most 168'],
    [{ ...valid, timeout_hours: '1' }, 'timeout_hours', 'number'],
    [
      { ...valid, response_fields: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, label: 'F' })) },
      'response_fields',
      'at most 10',
    ],
    [{ ...valid, response_fields: [{ name: '1bad', label: 'x' }] }, 'response_fields.0.name', 'start with a letter'],
    [{ ...valid, approvers: ['nobody'] }, 'approvers.0', 'e-mail address or a Slack user id'],
    [{ ...valid, surprise: true }, 'surprise', 'unknown field'],
  ])('rejects %j naming %s', (input, field, rule) => {
    const error = errorOf(input);
    expect(error.code).toBe('invalid_argument');
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(rule);
  });

  it('accepts every recipient form', () => {
    for (const target of ['#ops-approvals', 'C0123ABCD', 'G0123ABCD', 'U0123ABCD', 'W0123ABCD']) {
      expect(parseInput(requestApprovalSchema, { ...valid, recipient_slack: target }).recipient_slack).toBe(target);
    }
    expect(parseInput(requestApprovalSchema, { ...valid, timeout_hours: 0.01 }).timeout_hours).toBe(0.01);
  });

  it('rejects a non-object body', () => {
    expect(errorOf('hello').message).toBe('arguments must be a JSON object');
  });
});

describe('check_approval arguments', () => {
  it('bounds wait_seconds to 0–50 and checks the id shape', () => {
    expect(() =>
      parseInput(checkApprovalSchema, { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa', wait_seconds: 51 }),
    ).toThrow('wait_seconds: must be at most 50');
    expect(() => parseInput(checkApprovalSchema, { pause_id: 'nope' })).toThrow('pause_id: must be a pause id');
    expect(parseInput(checkApprovalSchema, { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' }).wait_seconds).toBe(0);
  });
});
