import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { emailSurface } from '../../src/email/index.js';
import type { RunningService } from '../../src/main.js';
import { type WebhookOptions, webhookSurface } from '../../src/webhook/index.js';
import type { Resolver } from '../../src/webhook/ssrf-guard.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const ALL_EVENTS = ['pause.created', 'pause.delivered', 'pause.decided', 'pause.timed_out', 'pause.cancelled'];

let receiver: WebhookReceiver;
let running: RunningService | undefined;

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
});
afterEach(async () => {
  // The receiver first: hanging requests end, so the runner's in-flight deliveries finish.
  await receiver.stop();
  await running?.close();
  running = undefined;
});

async function start(options: WebhookOptions = {}, env: Record<string, string> = {}): Promise<RunningService> {
  running = await startTestService(
    {
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},ops:${ADMIN_KEY}::admin`,
      LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
      ...env,
    },
    {
      webhooks: { retryScheduleMs: [100, 200, 300], timeoutMs: 2000, ...options },
      surfaces: [webhookSurface, emailSurface],
    },
  );
  return running;
}

/** Nothing left queued that could still send: from here on, what the receiver got is final. */
async function drained(): Promise<void> {
  if (!running) throw new Error('the service is not running');
  await settled(running);
}

async function call(method: string, path: string, body?: unknown, key = ADMIN_KEY) {
  const res = await fetch(`${running?.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function register(path: string, events = ALL_EVENTS, url = receiver.url(path)) {
  const { status, body } = await call('POST', '/v1/webhooks', { url, events });
  expect(status).toBe(201);
  expect(body.secret).toMatch(/^whsec_/);
  receiver.secret(path, body.secret);
  return body as { id: string; secret: string };
}

const ACTION = { action_description: 'Drop table users', action_details: { db: 'prod' } };

async function createPause(): Promise<string> {
  const { status, body } = await call(
    'POST',
    '/v1/pauses',
    { ...ACTION, recipient_email: 'ops@example.com' },
    TEST_API_KEY,
  );
  expect(status).toBe(201);
  return body.pause_id;
}

async function approve(pauseId: string) {
  const outcome = await running?.service.decide(pauseId, {
    decision: 'approved',
    responder: 'ops@example.com',
    channel: 'email',
    identities: ['ops@example.com'],
  });
  expect(outcome?.outcome).toBe('decided');
}

describe('webhooks to a real receiver', () => {
  it('sends created, delivered and decided, each once, signed (standardwebhooks verify), the decision signed too', async () => {
    await start();
    await register('/ok');
    const pauseId = await createPause();
    await eventually(() => (receiver.at('/ok').length >= 2 ? true : undefined));
    await approve(pauseId);
    await eventually(() => (receiver.at('/ok').length >= 3 ? true : undefined));
    await drained();
    const all = receiver.at('/ok');
    expect(all.every((r) => r.verified)).toBe(true);
    expect(all.map((r) => r.payload?.type).sort()).toEqual(['pause.created', 'pause.decided', 'pause.delivered']);
    expect(new Set(all.map((r) => r.id))).toEqual(
      new Set([`msg_${pauseId}.created`, `msg_${pauseId}.delivered.email`, `msg_${pauseId}.decided`]),
    );
    const decided = all.find((r) => r.payload?.type === 'pause.decided')?.payload;
    expect(decided?.data.pause_id).toBe(pauseId);
    expect(decided?.data.status).toBe('responded');
    expect(verifyDecision(TEST_SIGNING_SECRET, decided?.data.response, { pause_id: pauseId, action: ACTION })).toEqual({
      ok: true,
    });
    const delivered = all.find((r) => r.payload?.type === 'pause.delivered')?.payload;
    expect(delivered?.data.detail).toEqual({ channel: 'email' });
    // Tampered body: the library refuses it.
    const { Webhook } = await import('standardwebhooks');
    const secret = (await call('GET', '/v1/webhooks')).body.items[0];
    expect(secret.secret).toBeUndefined();
    expect(() =>
      new Webhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=').verify(all[0]?.body ?? '', {}),
    ).toThrow();
  });

  it('sends an event only to endpoints subscribed to it; cancelled and timed out have their own events', async () => {
    await start();
    await register('/decided-only', ['pause.decided']);
    await register('/ends', ['pause.cancelled', 'pause.timed_out']);
    const cancelled = await createPause();
    expect(
      (await call('POST', `/v1/pauses/${cancelled}/cancel`, { reason: 'changed my mind' }, TEST_API_KEY)).status,
    ).toBe(200);
    const short = await call(
      'POST',
      '/v1/pauses',
      { ...ACTION, recipient_email: 'ops@example.com', timeout_hours: 0.0003 },
      TEST_API_KEY,
    );
    const ends = await eventually(() => (receiver.at('/ends').length >= 2 ? receiver.at('/ends') : undefined));
    expect(ends.map((r) => r.payload?.type).sort()).toEqual(['pause.cancelled', 'pause.timed_out']);
    expect(ends.find((r) => r.payload?.type === 'pause.timed_out')?.payload?.data.pause_id).toBe(short.body.pause_id);
    expect(ends.find((r) => r.payload?.type === 'pause.cancelled')?.payload?.data.cancel_reason).toBe(
      'changed my mind',
    );
    expect(receiver.at('/decided-only')).toEqual([]);
  });

  it('retries after 500s with the same webhook-id and body, and delivers once it recovers', async () => {
    await start();
    receiver.on('/flaky', (n) => (n <= 2 ? 500 : 204));
    await register('/flaky', ['pause.created']);
    const pauseId = await createPause();
    const [got] = await eventually(() => (receiver.at('/flaky').length === 1 ? receiver.at('/flaky') : undefined));
    expect(receiver.attempts('/flaky')).toBe(3);
    expect(got?.verified).toBe(true);
    expect(got?.id).toBe(`msg_${pauseId}.created`);
    await drained();
    expect(receiver.attempts('/flaky')).toBe(3);
    const metrics = await (await fetch(`${running?.url}/metrics`)).text();
    expect(metrics).toMatch(/looppause_webhook_deliveries_total\{outcome="retrying"\} 2/);
    expect(metrics).toMatch(/looppause_webhook_deliveries_total\{outcome="delivered"\} 1/);
    expect(metrics).toMatch(/looppause_webhook_attempt_duration_seconds_count\{result="5xx"\} 2/);
    expect(metrics).toMatch(/looppause_webhook_deliveries_pending 0/);
  });

  it('a hanging endpoint does not delay another one', async () => {
    await start({ timeoutMs: 60_000, perEndpointConcurrency: 2 });
    receiver.on('/hang', () => 'hang');
    await register('/hang', ['pause.created']);
    await register('/fast', ['pause.created']);
    for (let i = 0; i < 20; i++) await createPause();
    await eventually(() => (receiver.at('/fast').length === 20 ? true : undefined), 20_000);
    // Every attempt to /hang is still open (60 s timeout): /fast was served meanwhile, and /hang
    // holds no more than its share of job slots.
    expect(receiver.attempts('/hang')).toBeLessThanOrEqual(2);
    expect(receiver.at('/fast').every((r) => r.verified)).toBe(true);
  });

  it('gives up a timed-out or refused delivery onto the dead-letter list, and redrives it with the same webhook-id', async () => {
    await start({ timeoutMs: 300 });
    receiver.on('/slow', (n) => (n <= 4 ? 'hang' : 204));
    const slow = await register('/slow', ['pause.created']);
    const closedPort = await freePort();
    const refused = await register('/refused', ['pause.created'], `http://127.0.0.1:${closedPort}/refused`);
    const pauseId = await createPause();
    const letters = await eventually(async () => {
      const { body } = await call('GET', '/v1/webhooks/dead-letters');
      return body.items.length === 2 ? body.items : undefined;
    }, 15_000);
    const byEndpoint = Object.fromEntries(letters.map((l: { endpoint_id: string }) => [l.endpoint_id, l]));
    expect(byEndpoint[slow.id]).toMatchObject({ attempts: 4, last_error: expect.stringContaining('no answer within') });
    expect(byEndpoint[refused.id]).toMatchObject({ attempts: 4, last_error: expect.stringContaining('ECONNREFUSED') });
    expect(receiver.attempts('/slow')).toBe(4);
    const metrics = await (await fetch(`${running?.url}/metrics`)).text();
    expect(metrics).toMatch(/looppause_webhook_dead_letters 2/);

    // One endpoint's letters: the slow one now answers.
    expect((await call('POST', '/v1/webhooks/redrive', { endpoint_id: slow.id })).body).toEqual({
      redriven: 1,
      skipped: 0,
    });
    const [got] = await eventually(() => (receiver.at('/slow').length === 1 ? receiver.at('/slow') : undefined));
    expect(got?.id).toBe(`msg_${pauseId}.created`);
    expect(got?.verified).toBe(true);
    const left = (await call('GET', '/v1/webhooks/dead-letters')).body.items;
    expect(left.map((l: { endpoint_id: string }) => l.endpoint_id)).toEqual([refused.id]);
  });

  it('410 disables the endpoint: nothing more is sent to it until it is enabled and redriven', async () => {
    await start();
    let gone = true;
    receiver.on('/gone', () => (gone ? 410 : 204));
    const endpoint = await register('/gone', ['pause.created']);
    const first = await createPause();
    const disabled = await eventually(async () => {
      const { body } = await call('GET', `/v1/webhooks/${endpoint.id}`);
      return body.enabled === false ? body : undefined;
    });
    expect(disabled.disabled_reason).toMatch(/410/);
    await createPause();
    await drained();
    expect(receiver.attempts('/gone')).toBe(1);
    // Redrive skips a disabled endpoint's letters.
    expect((await call('POST', '/v1/webhooks/redrive', {})).body).toEqual({ redriven: 0, skipped: 1 });
    gone = false;
    expect((await call('POST', `/v1/webhooks/${endpoint.id}/enable`)).body).toMatchObject({ enabled: true });
    expect((await call('POST', '/v1/webhooks/redrive', {})).body).toEqual({ redriven: 1, skipped: 0 });
    const [got] = await eventually(() => (receiver.at('/gone').length === 1 ? receiver.at('/gone') : undefined));
    expect(got?.id).toBe(`msg_${first}.created`);
  });

  it('rotating the secret signs with the new one; removing an endpoint drops its deliveries', async () => {
    await start();
    const endpoint = await register('/rot', ['pause.created']);
    const rotated = (await call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`)).body;
    expect(rotated.secret).not.toBe(endpoint.secret);
    receiver.secret('/rot', rotated.secret);
    await createPause();
    const [got] = await eventually(() => (receiver.at('/rot').length === 1 ? receiver.at('/rot') : undefined));
    expect(got?.verified).toBe(true);
    expect((await call('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
    await createPause();
    await drained();
    expect(receiver.attempts('/rot')).toBe(1);
  });

  it('admin endpoints need an admin key', async () => {
    await start();
    expect((await call('GET', '/v1/webhooks', undefined, TEST_API_KEY)).status).toBe(403);
    expect(
      (await call('POST', '/v1/webhooks', { url: receiver.url('/x'), events: ['pause.created'] }, TEST_API_KEY)).status,
    ).toBe(403);
    expect((await fetch(`${running?.url}/v1/webhooks`)).status).toBe(401);
  });
});

describe('SSRF guard, private addresses not allowed', () => {
  let answer: Array<{ address: string; family: number }>;
  const resolve: Resolver = async (host) => {
    if (host === 'internal.example.com') return [{ address: '10.1.2.3', family: 4 }];
    if (host === 'hooks.example.com') return answer;
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };

  it('refuses loopback, metadata and names resolving to private addresses at registration, storing nothing', async () => {
    await start({ resolve }, { LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'false' });
    for (const url of [
      'http://127.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://internal.example.com/hook',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost/',
      'ftp://hooks.example.com/',
    ]) {
      const { status, body } = await call('POST', '/v1/webhooks', { url, events: ['pause.created'] });
      expect(status, url).toBe(400);
      expect(body.error.field, url).toBe('url');
    }
    // One sentence: the host, the address it resolves to, and what that address is.
    const { body } = await call('POST', '/v1/webhooks', {
      url: 'http://internal.example.com/hook',
      events: ['pause.created'],
    });
    expect(body.error.message).toBe(
      'url: its host internal.example.com resolves to 10.1.2.3, a loopback, private, link-local or reserved address ' +
        '(set LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE=true to allow it)',
    );
    expect((await call('GET', '/v1/webhooks')).body.items).toEqual([]);
  });

  it('checks again at each delivery: a name that now resolves to 10.x is refused, never connected to', async () => {
    answer = [{ address: '93.184.216.34', family: 4 }];
    await start({ resolve, retryScheduleMs: [50] }, { LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'false' });
    const endpoint = await register('/x', ['pause.created'], 'http://hooks.example.com/hook');
    answer = [{ address: '10.0.0.7', family: 4 }];
    await createPause();
    const [letter] = await eventually(async () => {
      const { body } = await call('GET', `/v1/webhooks/dead-letters?endpoint_id=${endpoint.id}`);
      return body.items.length === 1 ? body.items : undefined;
    });
    expect(letter.last_error).toMatch(/URL refused: its host hooks\.example\.com resolves to 10\.0\.0\.7/);
  });
});
