import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { TEST_API_KEY } from '../helpers/service.js';
import { type SlackService, startSlackService } from '../helpers/slack.js';

/**
 * Slack misbehaving: 500s, hung connections, 429 with Retry-After. Deliveries are retried with
 * bounded backoff and land once; agents keep getting answers; nothing is decided by the service.
 */
describe('Slack outside faults', () => {
  let fake: FakeSlack;
  let svc: SlackService;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    // A short client timeout so a hung Slack is seen quickly; production uses 10 s.
    svc = await startSlackService(fake, {}, { timeoutMs: 300 });
  });
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
  });
  beforeEach(() => fake.clearFailures());

  const createPause = async () =>
    (
      await svc.running.service.request('agent-a', {
        action_description: 'Rotate the TLS certificate',
        action_details: { host: 'edge-1' },
        recipient_slack: '#ops',
      })
    ).pause_id;
  const postsOf = (pauseId: string) => (c: SlackCall) =>
    c.method === 'chat.postMessage' && JSON.stringify(c.body.blocks ?? '').includes(pauseId);
  const delivered = (pauseId: string) =>
    eventually(async () => {
      const slack = (await svc.running.service.get(pauseId))?.delivery.slack;
      return slack?.state === 'posted' && slack.ts ? slack.ts : undefined;
    }, 15_000);
  /** What the agent sees over REST: always an answer, never a 5xx. */
  const agentStatus = async (pauseId: string) => {
    const res = await fetch(`${svc.running.url}/v1/pauses/${pauseId}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { status: string }).status;
  };

  it('500s: the post is retried with backoff and lands once; meanwhile the agent sees pending', async () => {
    // Each job run is one call plus the WebClient's own retry (one, in tests): two runs fail.
    fake.failHttp('chat.postMessage', 500, 4);
    const pauseId = await createPause();
    await fake.waitFor(postsOf(pauseId));
    expect(await agentStatus(pauseId)).toBe('pending');
    await delivered(pauseId);
    const calls = fake.calls.filter(postsOf(pauseId));
    expect(calls).toHaveLength(5);
    // Between runs, the job runner's backoff: about 1 s, then about 2 s (± 20 %), not a tight loop.
    const gap = (i: number) => (calls[i] as SlackCall).at - (calls[i - 1] as SlackCall).at;
    expect(gap(2)).toBeGreaterThanOrEqual(700);
    expect(gap(4)).toBeGreaterThanOrEqual(1500);
    expect(await agentStatus(pauseId)).toBe('pending');
    // Each failed run was recorded on the pause (`retrying`) and counted for /metrics.
    const metrics = await (await fetch(`${svc.running.url}/metrics`)).text();
    const failures = Number(/looppause_delivery_failures_total\{surface="slack"\} (\d+)/.exec(metrics)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(2);
  });

  it('a hung connection times out and is retried; the request is posted', async () => {
    fake.hang('chat.postMessage', 1);
    const pauseId = await createPause();
    await delivered(pauseId);
    expect(fake.calls.filter(postsOf(pauseId)).length).toBeGreaterThanOrEqual(2);
    expect(await agentStatus(pauseId)).toBe('pending');
  });

  it('429 with Retry-After: the client waits as told, then posts once', async () => {
    fake.rateLimit('chat.postMessage', 1, 1);
    const pauseId = await createPause();
    await delivered(pauseId);
    const [limited, accepted, ...more] = fake.calls.filter(postsOf(pauseId));
    expect(more).toHaveLength(0);
    expect((accepted as SlackCall).at - (limited as SlackCall).at).toBeGreaterThanOrEqual(900);
    expect(await agentStatus(pauseId)).toBe('pending');
  });

  it('chat.update failing with 500s after a decision is retried until the message shows it', async () => {
    const pauseId = await createPause();
    const ts = await delivered(pauseId);
    fake.failHttp('chat.update', 503, 2);
    await svc.running.service.decide(pauseId, {
      decision: 'rejected',
      comment: 'not today',
      responder: 'ops@example.com',
      channel: 'email',
      identities: [],
    });
    const updates = (c: SlackCall) => c.method === 'chat.update' && c.body.ts === ts;
    await fake.waitFor(updates, { count: 3, timeoutMs: 15_000 });
    expect(await agentStatus(pauseId)).toBe('responded');
    const view = (await svc.running.service.get(pauseId))?.response;
    expect(view).toMatchObject({ decision: 'rejected', responder: 'ops@example.com' });
  });
});
