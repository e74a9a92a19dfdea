import { newNonce, newPauseId } from '../../src/domain/ids.js';
import type { Pause } from '../../src/domain/pause.js';
import { actionDigest, signDecision } from '../../src/domain/signing.js';

const SECRET = 'conformance-secret-0123456789abcdef-xyz';

/** A pending pause of `agent-a` to `#ops`, created at `nowMs`, due `timeoutMs` later. */
export function pauseAt(nowMs: number, overrides: Partial<Pause> = {}, timeoutMs = 3_600_000): Pause {
  const pause: Pause = {
    pause_id: newPauseId(),
    agent_id: 'agent-a',
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + timeoutMs).toISOString(),
    request: {
      action_description: 'Rotate the prod database password',
      action_details: { db: 'main' },
      recipient_slack: '#ops',
      timeout_hours: timeoutMs / 3_600_000,
      response_fields: [],
    },
    action_digest: '',
    delivery: {},
    ...overrides,
  };
  // As the service does; the Redis store recomputes it from the request on read.
  return { ...pause, action_digest: actionDigest(pause.request) };
}

/** A signed decision on `pause`, made in Slack. */
export function responseFor(
  pause: Pause,
  decision: 'approved' | 'rejected' = 'approved',
  responder = 'ada@example.com',
) {
  return signDecision(SECRET, {
    decision,
    comment: '',
    fields: {},
    responder,
    responded_at: new Date().toISOString(),
    channel: 'slack',
    nonce: newNonce(),
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
  });
}
