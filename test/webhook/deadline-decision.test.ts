import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { emailSurface } from '../../src/email/index.js';
import type { RunningService } from '../../src/main.js';
import { webhookSurface } from '../../src/webhook/index.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const POLICY = `
rules:
  - name: drops
    when: { action: "Drop *" }
    route: { email: ops@example.com }
    timeout_hours: 0.001
    on_timeout: approved
`;
const ACTION = { action_description: 'Drop table users', action_details: { db: 'prod' } };

let receiver: WebhookReceiver;
let running: RunningService | undefined;
let dir: string;
beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
  dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'webhook-deadline-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
});
afterEach(async () => {
  await receiver.stop();
  await running?.close();
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body: unknown, key = ADMIN_KEY) {
  const res = await fetch(`${running?.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('webhooks for a decision the policy makes at the deadline', () => {
  it('pause.created holds no signature or receipt; pause.decided carries the decision signed at the deadline', async () => {
    running = await startTestService(
      {
        LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},ops:${ADMIN_KEY}::admin`,
        LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
        LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      },
      { webhooks: { retryScheduleMs: [100, 200, 300], timeoutMs: 2000 }, surfaces: [webhookSurface, emailSurface] },
    );
    const hook = await call('POST', '/v1/webhooks', {
      url: receiver.url('/ok'),
      events: ['pause.created', 'pause.decided', 'pause.timed_out'],
    });
    expect(hook.status).toBe(201);
    receiver.secret('/ok', hook.body.secret as string);
    const created = await call('POST', '/v1/pauses', ACTION, TEST_API_KEY);
    expect(created.status).toBe(201);
    const pauseId = created.body.pause_id as string;
    const expiresAt = created.body.expires_at as string;

    const first = await eventually(() => receiver.at('/ok').find((r) => r.payload?.type === 'pause.created'));
    expect(Date.now()).toBeLessThan(Date.parse(expiresAt));
    expect(first.verified).toBe(true);
    expect(first.body).toContain(pauseId);
    expect(first.body).not.toContain('sha256=');
    expect(first.body).not.toContain('receipt');

    const decided = await eventually(() => receiver.at('/ok').find((r) => r.payload?.type === 'pause.decided'));
    const response = decided.payload?.data.response as Record<string, unknown>;
    expect(response).toMatchObject({ decision: 'approved', channel: 'policy', responded_at: expiresAt });
    expect(typeof response.receipt).toBe('string');
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: ACTION })).toEqual({ ok: true });
    expect(receiver.at('/ok').some((r) => r.payload?.type === 'pause.timed_out')).toBe(false);
  });
});
