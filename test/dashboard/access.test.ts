import { describe, expect, it } from 'vitest';
import { maySee, type Viewer } from '../../src/dashboard/access.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';

const ANN = 'ann@acme.com';
const DEE = 'dee@acme.com';

/** Who sees an ended pause of Ann's as her delegate, by when the delegation began. */
describe('maySee: a delegate and what the away approver decided', () => {
  const T = Date.parse('2026-12-04T10:00:00.000Z');
  const created = pauseAt(T - 60_000, {});
  const open = { ...created, request: { ...created.request, approvers: [ANN] } };
  const ended = {
    ...open,
    status: 'responded' as const,
    ended_at: new Date(T).toISOString(),
    response: responseFor(open, 'approved', ANN),
  };
  const dee = (fromMs: number): Viewer => ({
    email: DEE,
    admin: false,
    identities: [DEE],
    standsFor: [
      {
        absent: ANN,
        delegate: DEE,
        from: new Date(fromMs).toISOString(),
        until: new Date(T + 86_400_000).toISOString(),
        set_by: ANN,
      },
    ],
  });

  it('sees it when the delegation began while it was open, not when it began as or after it ended', () => {
    expect(maySee(ended, dee(T - 1), T + 1000)).toBe(true);
    // Decided and delegated in the same millisecond: decided before the delegation, as far as anyone can tell.
    expect(maySee(ended, dee(T), T + 1000)).toBe(false);
    expect(maySee(ended, dee(T + 1), T + 1000)).toBe(false);
  });

  it('sees a pending one as soon as the delegation has begun', () => {
    expect(maySee(open, dee(T), T)).toBe(true);
    expect(maySee(open, dee(T + 1), T)).toBe(false);
  });
});
