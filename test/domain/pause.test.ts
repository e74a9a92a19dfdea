import { describe, expect, it } from 'vitest';
import { effectiveStatus, expiresAt, type Pause, toView, withEffectiveStatus } from '../../src/domain/pause.js';

function pause(overrides: Partial<Pause> = {}): Pause {
  return {
    pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    agent_id: 'agent',
    status: 'pending',
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-01-01T01:00:00.000Z',
    request: { action_description: 'x', action_details: {}, recipient_email: 'a@b.co', timeout_hours: 1 },
    action_digest: 'd',
    delivery: {},
    ...overrides,
  };
}

describe('pause state', () => {
  it('reads as timed_out once the deadline has passed', () => {
    const p = pause();
    expect(effectiveStatus(p, Date.parse('2026-01-01T00:59:59.999Z'))).toBe('pending');
    expect(effectiveStatus(p, Date.parse('2026-01-01T01:00:00.000Z'))).toBe('timed_out');
    expect(effectiveStatus({ ...p, status: 'responded' }, Date.parse('2027-01-01T00:00:00Z'))).toBe('responded');
  });

  it('computes deadlines from fractional hours', () => {
    expect(expiresAt(0, 0.01)).toBe(36_000);
    expect(expiresAt(1000, 168)).toBe(1000 + 168 * 3_600_000);
  });

  it('stays pending past the deadline, until the sweep ends it, when the policy decides at the deadline', () => {
    const unsigned = pause({ timeout_decision: { decision: 'rejected', rule: 'r' } });
    const presigned = pause({
      timeout_response: {
        decision: 'rejected',
        channel: 'policy',
        responder: 'policy:r',
      } as unknown as Pause['response'],
    });
    const after = Date.parse('2026-01-01T01:00:00.000Z');
    for (const p of [unsigned, presigned]) {
      expect(effectiveStatus(p, after)).toBe('pending');
      // Never responded without the signed decision the store holds once the pause has ended.
      expect(withEffectiveStatus(p, after)).toBe(p);
      expect(withEffectiveStatus(p, after).response).toBeUndefined();
    }
  });

  it('shows agents the documented record and a hint while pending', () => {
    const view = toView(pause());
    expect(Object.keys(view).sort()).toEqual([
      'agent_id',
      'approvals_received',
      'approvals_required',
      'created_at',
      'expires_at',
      'message',
      'pause_id',
      'status',
    ]);
    expect(view).toMatchObject({ approvals_received: 0, approvals_required: 1 });
    // A cancelled pause reads `expired` on the wire, as it always has, with its reason.
    expect(toView(pause({ status: 'cancelled', cancel_reason: 'moot' }))).toMatchObject({
      status: 'expired',
      cancel_reason: 'moot',
    });
  });
});
