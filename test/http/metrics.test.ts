import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

describe('/metrics', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({}, { defaultMetrics: true });
  });
  afterAll(async () => {
    await running.close();
  });

  const create = async (extra: object = {}) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: 'x', action_details: {}, recipient_email: 'a@b.co', ...extra }),
    });
    return ((await res.json()) as { pause_id: string }).pause_id;
  };

  it('counts pauses created, decided, cancelled and timed out, and HTTP latency by route', async () => {
    const decided = await create();
    await running.service.decide(decided, {
      decision: 'approved',
      responder: 'a@b.co',
      channel: 'email',
      identities: [],
    });
    const cancelled = await create();
    await fetch(`${running.url}/v1/pauses/${cancelled}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    await create({ timeout_hours: 0.00005 });
    await new Promise((r) => setTimeout(r, 600));
    await running.store.setDelivery(decided, 'email', { state: 'retrying', attempts: 1, at: new Date().toISOString() });

    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toContain('looppause_pauses_created_total{recipients="email"} 3');
    expect(text).toContain('looppause_pauses_ended_total{outcome="approved",channel="email"} 1');
    expect(text).toContain('looppause_pauses_ended_total{outcome="cancelled",channel="agent"} 1');
    expect(text).toContain('looppause_pauses_ended_total{outcome="timed_out",channel="none"} 1');
    expect(text).toContain('looppause_time_to_decision_seconds_count{channel="email"} 1');
    expect(text).toContain('looppause_delivery_failures_total{surface="email"} 1');
    expect(text).toMatch(
      /looppause_http_request_duration_seconds_count\{method="POST",route="\/v1\/pauses\/:id\/cancel",status="200"\} 1/,
    );
    expect(text).toContain('looppause_waiting_checks 0');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
