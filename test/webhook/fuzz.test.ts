import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebhooksArgs, webhooksCommand } from '../../src/cli/webhooks.js';
import { parseConfig } from '../../src/config.js';
import { emailSurface } from '../../src/email/index.js';
import type { RunningService } from '../../src/main.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/store/ports/webhooks.js';
import { redisKeys, redisWebhookKeys } from '../../src/store/redis-keys.js';
import { webhookSurface } from '../../src/webhook/index.js';
import type { Resolver } from '../../src/webhook/ssrf-guard.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
// Every name resolves to a private address: whatever URL a run makes up, nothing may be stored.
const resolve: Resolver = async () => [{ address: '10.0.0.1', family: 4 }];

const oddUrl = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.webUrl().map((u) => `${u}\u0000`),
  fc.webUrl(),
  fc.constantFrom(
    'http://127.0.0.1/',
    'http://[::ffff:169.254.169.254]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://%zz/',
    'https://a.example.com/\ud800',
    `https://a.example.com/${'x'.repeat(5000)}`,
    'https://user:pw@a.example.com/',
    '',
  ),
);
const oddEvents = fc.oneof(
  fc.array(fc.constantFrom(...WEBHOOK_EVENT_TYPES), { maxLength: 20 }),
  fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 2000 }),
  fc.anything(),
);

describe('fuzz: POST /v1/webhooks', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService(
      { LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},ops:${ADMIN_KEY}::admin` },
      { webhooks: { resolve }, surfaces: [webhookSurface, emailSurface] },
    );
  });
  afterAll(async () => {
    await running.close();
  });

  const post = async (raw: string | Uint8Array) => {
    const res = await fetch(`${running.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: raw,
    });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; field?: string; message: string } },
    };
  };

  it('odd URLs, broken encodings and huge event lists get a 4xx naming the field, and nothing is stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ url: oddUrl, events: oddEvents }, { requiredKeys: [] }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.anything(), { maxKeys: 2 }),
        async (body, extra) => {
          const { status, body: answer } = await post(JSON.stringify({ ...extra, ...body }));
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
          // The field named: url, events, events.<i>, or the unknown key (which may be any string, "" too).
          expect(typeof answer.error?.field).toBe('string');
          expect(answer.error?.message).not.toMatch(/at .*\.ts:\d+|TypeError|ReferenceError/);
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const { status } = await post(bytes);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 50 },
    );
    const list = await fetch(`${running.url}/v1/webhooks`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('unknown ids on the other routes are 404 naming the id, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 80 }).filter((id) => !['dead-letters', 'redrive', '.', '..'].includes(id)),
        fc.constantFrom('GET', 'DELETE', 'POST /rotate-secret', 'POST /enable'),
        async (id, route) => {
          const [method, suffix = ''] = route.split(' ');
          const res = await fetch(`${running.url}/v1/webhooks/${encodeURIComponent(id)}${suffix}`, {
            method,
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          });
          expect(res.status).toBe(404);
          expect(((await res.json()) as { error?: { field?: string } }).error?.field).toBe('id');
        },
      ),
      { numRuns: 80 },
    );
  });

  it('dead letters and redrive: an unknown endpoint_id is 404 naming it, an odd body a 4xx, never 5xx', async () => {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), async (id) => {
        const listed = await fetch(`${running.url}/v1/webhooks/dead-letters?endpoint_id=${encodeURIComponent(id)}`, {
          headers,
        });
        expect(listed.status).toBe(404);
        const redriven = await fetch(`${running.url}/v1/webhooks/redrive`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ endpoint_id: id }),
        });
        expect(redriven.status).toBe(404);
        expect(((await redriven.json()) as { error?: { field?: string } }).error?.field).toBe('endpoint_id');
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything().map((value) => JSON.stringify({ endpoint_id: value })),
          fc
            .dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.anything(), { minKeys: 1, maxKeys: 2 })
            .filter((body) => !('endpoint_id' in body))
            .map((body) => JSON.stringify(body)),
          fc.string({ maxLength: 80 }),
        ),
        async (raw) => {
          const res = await fetch(`${running.url}/v1/webhooks/redrive`, { method: 'POST', headers, body: raw });
          // No endpoint exists, so even a well-formed body cannot redrive anything: 200 with zeros, or a 4xx.
          if (res.status === 200) {
            expect(await res.json()).toEqual({ redriven: 0, skipped: 0 });
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('fuzz: looppause webhooks arguments', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('parsing never throws: a command, or a usage error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('add', 'list', '--events', 'redrive', '--events=')), {
          maxLength: 8,
        }),
        (args) => {
          const parsed = parseWebhooksArgs(args);
          expect(typeof parsed).toBe('object');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('odd URLs and event lists: exit 2 naming the field, nothing stored', async () => {
    const prefix = randomPrefix();
    const config = parseConfig({
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: prefix,
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
    });
    if (!config.ok) throw new Error(config.errors.join());
    await fc.assert(
      fc.asyncProperty(
        oddUrl,
        fc.oneof(
          fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 500 }).map((a) => a.join(',')),
          fc.constantFrom('pause.decided', 'pause.decided,pause.decided', ''),
        ),
        async (url, events) => {
          const err: string[] = [];
          const code = await webhooksCommand(config.config, ['add', url, '--events', events], {
            out: () => {},
            err: (s) => err.push(s),
            resolve,
          });
          expect(code).toBe(2);
          expect(err.join('')).toMatch(/url|events|URL|--events/);
        },
      ),
      { numRuns: 40 },
    );
    expect(await client.hlen(redisWebhookKeys(redisKeys(prefix).base).endpoints)).toBe(0);
  });
});
