import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { rawRequest } from './hostile-input.js';

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
    await running.service.deliveries.record(decided, 'email', {
      state: 'retrying',
      attempts: 1,
      at: new Date().toISOString(),
    });

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

describe('/metrics access', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let open: RunningService;
  let guarded: RunningService;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([startTestService(), startTestService({ LOOPPAUSE_METRICS_TOKEN: TOKEN })]);
  });
  afterAll(async () => {
    await Promise.all([open?.close(), guarded?.close()]);
  });

  const scrape = (running: RunningService, headers: Record<string, string> = {}) =>
    rawRequest(running.url, { path: '/metrics', headers: { host: `localhost:${running.port}`, ...headers } });

  it('with LOOPPAUSE_METRICS_TOKEN: 401 without the bearer token or with a wrong one, 200 with it', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await scrape(guarded, authorization ? { authorization } : {});
      expect(res.status, String(authorization)).toBe(401);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'unauthorized' } });
      expect(res.text).not.toContain('looppause_');
    }
    const res = await scrape(guarded, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.text).toContain('looppause_pauses_created_total');
  });

  it('without a token: open', async () => {
    const res = await scrape(open);
    expect(res.status).toBe(200);
    expect(res.text).toContain('looppause_pauses_created_total');
  });

  it('behind the Host guard (health checks are not)', async () => {
    for (const [running, headers] of [
      [open, {}],
      [guarded, { authorization: `Bearer ${TOKEN}` }],
    ] as const) {
      const res = await scrape(running, { ...headers, host: 'evil.example' });
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('looppause_');
      const health = await rawRequest(running.url, { path: '/healthz', headers: { host: '10.0.0.7' } });
      expect(health.status).toBe(200);
    }
  });
});
