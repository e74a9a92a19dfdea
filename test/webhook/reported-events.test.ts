import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailSurface } from '../../src/email/index.js';
import type { RunningService } from '../../src/main.js';
import { webhookSurface } from '../../src/webhook/index.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
let receiver: WebhookReceiver;
let running: RunningService;

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
  running = await startTestService(
    { LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},ops:${ADMIN_KEY}::admin`, LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true' },
    { surfaces: [webhookSurface, emailSurface] },
  );
});
afterEach(async () => {
  await receiver.stop();
  await running.close();
});

describe('events surfaces report (reminders, escalations)', () => {
  it('a reminder or escalation recorded as sent is a signed pause.reminded / pause.escalated with its step, once per step', async () => {
    const res = await fetch(`${running.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url('/steps'), events: ['pause.reminded', 'pause.escalated'] }),
    });
    receiver.secret('/steps', ((await res.json()) as { secret: string }).secret);
    const created = await running.service.request('agent-a', {
      action_description: 'Rotate keys',
      action_details: {},
      recipient_email: 'ops@example.com',
    });
    const id = created.pause_id;
    type Key = Parameters<typeof running.service.deliveries.record>[1];
    const sent = { state: 'sent', at: new Date().toISOString() } as never;
    // The reminder goes out by Slack and by e-mail: one event for the step.
    await running.service.deliveries.record(id, 'email_remind_0' as Key, sent);
    await running.service.deliveries.record(id, 'slack_remind_0' as Key, { state: 'posted' } as never);
    await running.service.deliveries.record(id, 'email_escalate_1' as Key, sent);
    // Not sent: nothing.
    await running.service.deliveries.record(id, 'email_remind_1' as Key, { state: 'retrying' } as never);
    const got = await eventually(() => (receiver.at('/steps').length >= 2 ? receiver.at('/steps') : undefined));
    await settled(running);
    expect(receiver.at('/steps')).toHaveLength(2);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.map((r) => [r.id, r.payload?.type, r.payload?.data.detail]).sort()).toEqual([
      [`msg_${id}.escalated.1`, 'pause.escalated', { step: 1 }],
      [`msg_${id}.reminded.0`, 'pause.reminded', { step: 0 }],
    ]);
  });

  it('service.events.emit is the one call for other surfaces: emitted twice, sent once', async () => {
    const res = await fetch(`${running.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url('/r'), events: ['pause.reminded'] }),
    });
    receiver.secret('/r', ((await res.json()) as { secret: string }).secret);
    const { pause_id: id } = await running.service.request('agent-a', {
      action_description: 'x',
      action_details: {},
      recipient_email: 'ops@example.com',
    });
    await running.service.events.emit(id, 'pause.reminded', { step: 2 });
    await eventually(() => (receiver.at('/r').length === 1 ? true : undefined));
    await running.service.events.emit(id, 'pause.reminded', { step: 2 });
    await settled(running);
    expect(receiver.at('/r').map((r) => r.id)).toEqual([`msg_${id}.reminded.2`]);
  });
});
