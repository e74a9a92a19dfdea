import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestApprovalSchema } from '../../src/domain/schemas.js';
import type { RunningService } from '../../src/main.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { brokenCompressed, brokenPercent, oddPathTail, rawRequest, STACK_TRACE } from './hostile-input.js';

/** Hostile input: random and malformed bodies never give a 5xx, a crash or a half-written record. */
describe('fuzzing the JSON surfaces (Redis store)', () => {
  let redis: TestRedis;
  let running: RunningService;

  beforeAll(async () => {
    redis = await startRedis();
    running = await startTestService({ REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() });
  });
  afterAll(async () => {
    await running?.close();
    await redis?.stop();
  });

  const send = (path: string, method: string, body?: string, contentType = 'application/json') =>
    fetch(`${running.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': contentType,
        accept: 'application/json, text/event-stream',
      },
      ...(body === undefined ? {} : { body }),
    });

  const nearlyValid = fc.record(
    {
      action_description: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(''), fc.integer()),
      action_details: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), fc.anything()),
      recipient_email: fc.oneof(fc.emailAddress(), fc.string()),
      recipient_slack: fc.oneof(fc.constantFrom('#ops', 'C0123ABCD', '@here'), fc.string()),
      timeout_hours: fc.oneof(fc.double(), fc.integer(), fc.string()),
      response_fields: fc.anything(),
      approvers: fc.anything(),
      idempotency_key: fc.oneof(fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  );

  it('POST /v1/pauses: random and nearly valid bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), nearlyValid, fc.anything()), async (value) => {
        let body: string;
        try {
          body = JSON.stringify(value) ?? 'null';
        } catch {
          body = 'null';
        }
        const res = await send('/v1/pauses', 'POST', body);
        expect(res.status).toBeLessThan(500);
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status >= 400)
          expect(json.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: 300 },
    );
  });

  it('raw bytes and wrong content types to every JSON endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('/v1/pauses', '/mcp', '/v1/pauses/pse_aaaaaaaaaaaaaaaaaaaaaaaaaa/cancel'),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
        ),
        async (raw, path, contentType) => {
          const res = await send(path, 'POST', raw, contentType);
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('JSON-RPC to /mcp with random methods and tool arguments', async () => {
    const message = fc.record({
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.string()),
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'nope', 'resources/list'),
      params: fc.oneof(
        fc.record({
          name: fc.constantFrom('request_approval', 'check_approval', 'cancel_approval', 'missing'),
          arguments: fc.oneof(
            nearlyValid,
            fc.anything(),
            fc.record({ pause_id: fc.string(), wait_seconds: fc.double() }),
          ),
        }),
        fc.anything(),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(message, fc.array(message, { maxLength: 3 })), async (value) => {
        let body: string;
        try {
          body = JSON.stringify(value);
        } catch {
          body = '{}';
        }
        const res = await send('/mcp', 'POST', body);
        expect(res.status).toBeLessThan(500);
        const text = await res.text();
        expect(text).not.toMatch(/at .+\.(js|ts):\d+:\d+/);
      }),
      { numRuns: 300 },
    );
  });

  it('random ids and waits to GET /v1/pauses/:id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 6 }), async (id, wait) => {
        const res = await send(`/v1/pauses/${encodeURIComponent(id)}?wait=${encodeURIComponent(wait)}`, 'GET');
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 200 },
    );
  });

  const auth = { authorization: `Bearer ${TEST_API_KEY}`, accept: 'application/json, text/event-stream' };

  it('raw, unencoded paths under /v1/pauses and /mcp: never a 5xx, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/pauses/', '/v1/pauses/pse_', '/mcp/', '/v1/'),
        oddPathTail,
        fc.constantFrom('', '/cancel'),
        fc.constantFrom('GET', 'POST'),
        async (prefix, tail, suffix, method) => {
          const res = await rawRequest(running.url, {
            method,
            path: prefix + tail + suffix,
            headers: { ...auth, 'content-type': 'application/json' },
            body: method === 'POST' ? '{}' : undefined,
          });
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toMatch(STACK_TRACE);
        },
      ),
      { numRuns: 300, examples: [['/v1/pauses/', 'pse_%ZZ', '', 'GET']] },
    );
  });

  it('broken percent-encoding in a pause id: 400 invalid_argument, as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(brokenPercent, fc.constantFrom('', '/cancel'), async (id, suffix) => {
        const res = await rawRequest(running.url, {
          method: suffix ? 'POST' : 'GET',
          path: `/v1/pauses/${id}${suffix}`,
          headers: auth,
        });
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'invalid_argument' } });
      }),
      {
        numRuns: 100,
        examples: [
          ['pse_%ZZ', ''],
          ['%E0%A4%A', '/cancel'],
        ],
      },
    );
  });

  it('broken compressed bodies to /v1/pauses and /mcp: a JSON 4xx, never a 5xx', async () => {
    const valid = JSON.stringify({ action_description: 'x', action_details: {}, recipient_email: 'a@b.co' });
    await fc.assert(
      fc.asyncProperty(
        brokenCompressed(valid),
        fc.constantFrom('/v1/pauses', '/mcp'),
        async ({ encoding, body }, path) => {
          const res = await rawRequest(running.url, {
            method: 'POST',
            path,
            headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding },
            body,
          });
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toMatch(STACK_TRACE);
          if (res.status >= 400 && path === '/v1/pauses') {
            expect(JSON.parse(res.text)).toMatchObject({ error: { code: expect.any(String) } });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('left only whole, valid records in the store', async () => {
    const all = await running.service.list('agent-a', { limit: 100 });
    for (const view of all.items) {
      const pause = await running.store.getPause(view.pause_id);
      expect(pause).not.toBeNull();
      expect(requestApprovalSchema.safeParse(pause?.request).success).toBe(true);
    }
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
