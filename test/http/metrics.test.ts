import { BlockList } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/http/routes/metrics.js';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
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
    const short = await create({ timeout_hours: 0.00005 });
    // Its deadline (180 ms on) is due work: settled once the runner has timed it out and run what followed.
    await settled(running);
    expect((await running.service.get(short))?.status).toBe('timed_out');
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

  it('without a token: open to clients on this machine only', async () => {
    const res = await scrape(open);
    expect(res.status).toBe(200);
    expect(res.text).toContain('looppause_pauses_created_total');
  });

  it('without a token: refused to a client a proxy on this machine forwards, whatever Host it names', async () => {
    for (const forwarded of [
      '203.0.113.9',
      '10.0.0.7',
      '::ffff:198.51.100.1',
      '2001:db8::1',
      '127.0.0.1, 203.0.113.9',
    ]) {
      for (const host of [`localhost:${open.port}`, `127.0.0.1:${open.port}`, `[::1]:${open.port}`]) {
        const res = await scrape(open, { host, 'x-forwarded-for': forwarded });
        expect(res.status, `${forwarded} via ${host}`).toBe(403);
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'forbidden' } });
        expect(res.text).toContain('LOOPPAUSE_METRICS_TOKEN');
        expect(res.text).not.toContain('looppause_pauses');
      }
    }
    // The token still lets a remote scraper in.
    const remote = await scrape(guarded, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' });
    expect(remote.status).toBe(200);
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

describe('isLoopback', () => {
  it('is true for 127.0.0.0/8, ::1 and their mapped forms only', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) {
      expect(isLoopback(address), address).toBe(true);
    }
    for (const address of [
      undefined,
      '',
      '10.0.0.1',
      '::',
      '::2',
      '::ffff:10.0.0.1',
      '1::1',
      'localhost',
      '128.0.0.1',
    ]) {
      expect(isLoopback(address), String(address)).toBe(false);
    }
    // Node's own address matcher as the oracle.
    const loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
    loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.ipV4().map((v4) => `::ffff:${v4}`),
        ),
        (address) => {
          expect(isLoopback(address), address).toBe(loopback.check(address, address.includes(':') ? 'ipv6' : 'ipv4'));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
