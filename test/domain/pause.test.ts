import { describe, expect, it } from 'vitest';
import { effectiveStatus, expiresAt, mayDecide, type Pause, toView } from '../../src/domain/pause.js';

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

  it('lets anyone decide without approvers, and only approvers with them', () => {
    expect(mayDecide(pause(), ['U1'])).toBe(true);
    const guarded = pause({
      request: { ...pause().request, approvers: ['Ada@Example.com', 'U0123ABCD'] },
    });
    expect(mayDecide(guarded, ['ada@example.com'])).toBe(true);
    expect(mayDecide(guarded, [undefined, 'U0123ABCD'])).toBe(true);
    expect(mayDecide(guarded, ['u0123abcd', 'eve@example.com'])).toBe(false);
  });

  it('shows agents the documented record and a hint while pending', () => {
    const view = toView(pause());
    expect(Object.keys(view).sort()).toEqual(['agent_id', 'created_at', 'expires_at', 'message', 'pause_id', 'status']);
    expect(toView(pause({ status: 'expired', cancel_reason: 'moot' })).cancel_reason).toBe('moot');
  });
});
