import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliveryJobId, JobKind } from '../../src/jobs/job-kinds.js';
import { RetryJobAt } from '../../src/jobs/job-runner.js';
import type { Job } from '../../src/store/ports/jobs.js';
import { DEFAULT_RETRY_SCHEDULE_MS, DEFAULT_TIMEOUT_MS, eventRetentionMs } from '../../src/webhook/deliver.js';
import { EndpointSlots } from '../../src/webhook/endpoint-slots.js';
import type { PostOutcome } from '../../src/webhook/post.js';
import { T0, track } from '../helpers/use-cases.js';
import {
  type DeliveryWorld,
  deliveryWorld,
  endpoint,
  endpointId,
  PUBLIC_ADDRESS,
  status,
  timedOut,
} from '../helpers/webhook-unit.js';

const A = endpointId(1);
const B = endpointId(2);
const C = endpointId(3);
const EVENT = 'pause_1.created';
const urlOf = (id: string) => `https://hooks.example.com/${id}`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Attempts observed by the duration histogram for one result (2xx, 5xx, timeout, refused, …). */
async function attemptsObserved(w: DeliveryWorld, result: string): Promise<number> {
  const { values } = await w.metrics.webhookAttemptDuration.get();
  return (
    values.find(
      (v) => v.metricName === 'looppause_webhook_attempt_duration_seconds_count' && v.labels.result === result,
    )?.value ?? 0
  );
}

async function deadLettersCounted(w: DeliveryWorld): Promise<number> {
  return (await w.metrics.webhookDeadLettered.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** The delivery job as the runner hands it over, for calling the handler directly. */
const jobFor = (endpointId: string, eventId: string): Job<typeof JobKind.webhookDeliver> => ({
  id: deliveryJobId(endpointId, eventId),
  kind: JobKind.webhookDeliver,
  data: { pause_id: 'pause_1', endpoint_id: endpointId, event_id: eventId },
  run_at: T0,
  attempts: 1,
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('delivery job ids', () => {
  // Read back only from bodies the previous version stored: test/store/job-codec.test.ts.
  it('name the endpoint and the event', () => {
    expect(deliveryJobId(A, 'p.reminded.2')).toBe(`webhook.deliver:${A}:p.reminded.2`);
  });

  it('events are kept until the last retry, and a day more', () => {
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeCloseTo(77.6, 1);
    expect(eventRetentionMs()).toBe(total + 24 * 3_600_000);
    expect(eventRetentionMs([100, 200])).toBe(300 + 24 * 3_600_000);
  });
});

describe('WebhookDelivery over memory stores and a stub post', () => {
  it('a 2xx ends the delivery at the first attempt: one signed POST to the vetted address, settled, counted', async () => {
    const w = deliveryWorld();
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();

    expect(w.post.calls).toHaveLength(1);
    const [call] = w.post.calls;
    const event = await w.webhooks.getEvent(EVENT);
    expect(call?.target).toEqual({ url: new URL(urlOf(A)), address: PUBLIC_ADDRESS, family: 4 });
    expect(call?.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(call?.body).toBe(event?.body);
    expect(call?.headers['webhook-id']).toBe(`msg_${EVENT}`);
    expect(call?.headers['webhook-timestamp']).toBe(String(T0 / 1000));
    // The signature verifies with the Standard Webhooks library, at the attempt's time.
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    expect(new Webhook(endpoint(A).secret).verify(call?.body ?? '', call?.headers ?? {})).toEqual(
      JSON.parse(event?.body ?? ''),
    );
    vi.useRealTimers();

    expect(await w.webhooks.pendingCount()).toBe(0);
    expect(await w.jobs.nextWakeAt()).toBeNull();
    expect(await w.webhooks.listDeadLetters()).toEqual([]);
    expect(await w.outcomes()).toEqual({ delivered: 1 });
    expect(await attemptsObserved(w, '2xx')).toBe(1);
  });

  it('retries on the schedule: each attempt exactly its wait after the last, never early, past the runner limit; 13 in all, then the dead-letter list', async () => {
    const w = deliveryWorld({ answer: () => status(500) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.runner.tick();
    expect(w.post.calls).toHaveLength(1);
    for (const [i, wait] of DEFAULT_RETRY_SCHEDULE_MS.entries()) {
      const due = await w.jobs.nextWakeAt();
      expect(due).toBe(w.clock.ms + wait);
      w.clock.set((due ?? 0) - 1);
      await w.runner.tick();
      expect(w.post.calls).toHaveLength(i + 1);
      w.clock.set(due ?? 0);
      await w.runner.tick();
      expect(w.post.calls).toHaveLength(i + 2);
    }
    expect(DEFAULT_RETRY_SCHEDULE_MS).toHaveLength(12);
    expect(await w.jobs.nextWakeAt()).toBeNull();
    const event = await w.webhooks.getEvent(EVENT);
    expect(await w.webhooks.listDeadLetters()).toEqual([
      {
        endpoint_id: A,
        event: { id: EVENT, type: 'pause.created', pause_id: 'pause_1', body: event?.body },
        failed_at: iso(w.clock.ms),
        attempts: 13,
        last_error: 'HTTP 500',
      },
    ]);
    expect(new Set(w.post.calls.map((c) => c.headers['webhook-id']))).toEqual(new Set([`msg_${EVENT}`]));
    expect(await w.webhooks.pendingCount()).toBe(0);
    expect(await w.outcomes()).toEqual({ retrying: 12, dead_lettered: 1 });
    expect(await attemptsObserved(w, '5xx')).toBe(13);
    expect(await deadLettersCounted(w)).toBe(1);
  });

  it('a 5xx, then a 2xx: delivered on the first retry, with the same webhook-id and body and a fresh timestamp', async () => {
    const w = deliveryWorld({ answer: (n) => status(n === 1 ? 503 : 204) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();
    const [first, second] = w.post.calls;
    expect(w.post.calls).toHaveLength(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBe(DEFAULT_RETRY_SCHEDULE_MS[0]);
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(second?.body).toBe(first?.body);
    expect(second?.headers['webhook-timestamp']).toBe(String((T0 + 5000) / 1000));
    expect(await w.webhooks.listDeadLetters()).toEqual([]);
    expect(await w.webhooks.pendingCount()).toBe(0);
    expect(await w.outcomes()).toEqual({ retrying: 1, delivered: 1 });
  });

  it('410 disables the endpoint and dead-letters the event once; later deliveries to it are dead-lettered unsent', async () => {
    const w = deliveryWorld({ answer: () => status(410) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();
    expect(w.post.calls).toHaveLength(1);
    const disabled = await w.webhooks.getEndpoint(A);
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: `HTTP 410 Gone at ${iso(T0)}` });
    expect(await w.webhooks.listDeadLetters(A)).toMatchObject([
      { attempts: 1, last_error: 'HTTP 410 Gone: endpoint disabled' },
    ]);
    expect(await w.outcomes()).toEqual({ gone: 1 });
    expect(await deadLettersCounted(w)).toBe(1);

    w.clock.advance(60_000);
    await w.queue(A, 'pause_2.created');
    await w.drain();
    expect(w.post.calls).toHaveLength(1);
    expect((await w.webhooks.listDeadLetters(A)).map((l) => [l.event.id, l.attempts, l.last_error])).toEqual([
      [EVENT, 1, 'HTTP 410 Gone: endpoint disabled'],
      ['pause_2.created', 0, `endpoint disabled (HTTP 410 Gone at ${iso(T0)})`],
    ]);
    expect(await w.outcomes()).toEqual({ gone: 1, dead_lettered: 1 });
  });

  it('a timeout is a failure like a 5xx: retried on the schedule, and its error is the one kept', async () => {
    const w = deliveryWorld({ retryScheduleMs: [1000], timeoutMs: 3000, answer: () => timedOut(3000) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();
    expect(w.post.calls.map((c) => [c.at - T0, c.timeoutMs])).toEqual([
      [0, 3000],
      [1000, 3000],
    ]);
    expect(await w.webhooks.listDeadLetters()).toMatchObject([{ attempts: 2, last_error: 'no answer within 3 s' }]);
    expect(await attemptsObserved(w, 'timeout')).toBe(2);
    expect(await w.outcomes()).toEqual({ retrying: 1, dead_lettered: 1 });
  });

  it('any other answer, 3xx and 4xx too, is a failure; a connection error as well', async () => {
    const answers: PostOutcome[] = [
      status(301),
      status(404),
      { kind: 'error', error: 'ECONNRESET: socket hang up', timedOut: false },
    ];
    const w = deliveryWorld({ retryScheduleMs: [10, 10], answer: (n) => answers[n - 1] ?? status(204) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();
    expect(w.post.calls).toHaveLength(3);
    expect(await w.webhooks.listDeadLetters()).toMatchObject([
      { attempts: 3, last_error: 'ECONNRESET: socket hang up' },
    ]);
    expect([
      await attemptsObserved(w, '3xx'),
      await attemptsObserved(w, '4xx'),
      await attemptsObserved(w, 'error'),
    ]).toEqual([1, 1, 1]);
  });

  it('the URL is vetted at every attempt: while its name resolves to a private address nothing is posted', async () => {
    const w = deliveryWorld({ retryScheduleMs: [1000, 1000] });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    w.resolveHooksTo('10.0.0.7');
    await w.runner.tick();
    expect(w.post.calls).toHaveLength(0);
    expect(await w.outcomes()).toEqual({ retrying: 1 });
    // Public again by the retry: it goes out, to the address vetted then.
    w.resolveHooksTo(PUBLIC_ADDRESS);
    await w.drain();
    expect(w.post.calls.map((c) => [c.at - T0, c.target.address])).toEqual([[1000, PUBLIC_ADDRESS]]);
    expect(await attemptsObserved(w, 'refused')).toBe(1);

    const refused = deliveryWorld({ retryScheduleMs: [] });
    await refused.webhooks.addEndpoint(endpoint(A));
    await refused.queue(A);
    refused.resolveHooksTo('10.0.0.7');
    await refused.drain();
    expect(refused.post.calls).toHaveLength(0);
    const [letter] = await refused.webhooks.listDeadLetters();
    expect(letter?.last_error).toMatch(/^URL refused: its host hooks\.example\.com resolves to .*10\.0\.0\.7/);
  });

  it('a removed endpoint or an event past its retention: the delivery is dropped, unsent', async () => {
    const w = deliveryWorld();
    await w.queue(A);
    await w.webhooks.addEndpoint(endpoint(B));
    await w.queue(B, 'pause_2.created');
    // The queued events are kept a year: past that, the body is gone.
    w.clock.advance(366 * 24 * 3_600_000);
    await w.drain();
    expect(w.post.calls).toHaveLength(0);
    expect(await w.outcomes()).toEqual({ dropped: 2 });
    expect(await w.webhooks.pendingCount()).toBe(0);
    expect(await w.webhooks.listDeadLetters()).toEqual([]);
  });

  it('a store failure retries after the first wait, whatever the attempts so far, and does not count as a failure', async () => {
    const w = deliveryWorld({ retryScheduleMs: [700] });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    vi.spyOn(w.webhooks, 'getEndpoint').mockRejectedValueOnce(new Error('connection lost'));
    const error = await w.delivery.onDeliver({ ...jobFor(A, EVENT), attempts: 99 }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryJobAt);
    expect(error).toMatchObject({ runAt: T0 + 700, message: expect.stringContaining('connection lost') });
    w.post.answer = (n) => status(n === 1 ? 500 : 204);
    await w.drain();
    // The store failure used none of the schedule: one real failure, one retry, delivered.
    expect(w.post.calls).toHaveLength(2);
    expect(await w.outcomes()).toEqual({ retrying: 1, delivered: 1 });
  });

  it('dead-lettered after the last attempt, then redriven: same webhook-id and body, a fresh schedule, the letter gone', async () => {
    // Three failures before the redrive; after it, one more failure, then a 2xx.
    const w = deliveryWorld({ retryScheduleMs: [1000, 2000], answer: (n) => status(n >= 5 ? 204 : 500) });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A);
    await w.drain();
    expect(w.post.calls.map((c) => c.at - T0)).toEqual([0, 1000, 3000]);
    expect(await w.webhooks.listDeadLetters(A)).toMatchObject([{ attempts: 3, last_error: 'HTTP 500' }]);

    w.clock.advance(3_600_000);
    expect(await w.admin.redrive({ endpoint_id: A })).toEqual({ redriven: 1, skipped: 0 });
    expect(await w.webhooks.listDeadLetters()).toEqual([]);
    expect(await w.webhooks.pendingCount()).toBe(1);
    const redrivenAt = w.clock.ms;
    await w.drain();
    // Fourth call fails, fifth succeeds: the failures counted from zero again (else the fourth would dead-letter).
    expect(w.post.calls.slice(3).map((c) => c.at - redrivenAt)).toEqual([0, 1000]);
    expect(new Set(w.post.calls.map((c) => `${c.headers['webhook-id']} ${c.body}`)).size).toBe(1);
    expect(await w.webhooks.listDeadLetters()).toEqual([]);
    expect(await w.webhooks.pendingCount()).toBe(0);
    expect(await w.outcomes()).toEqual({ retrying: 3, dead_lettered: 1, delivered: 1 });
  });

  it('redrive skips the letters of a disabled or removed endpoint, and stores an expired event again as it was', async () => {
    let recovered = false;
    const w = deliveryWorld({
      retryScheduleMs: [],
      answer: (_n, call) => (call.target.url.pathname === `/${A}` ? status(410) : status(recovered ? 204 : 500)),
    });
    for (const id of [A, B, C]) {
      await w.webhooks.addEndpoint(endpoint(id));
      await w.queue(id);
    }
    await w.drain();
    expect((await w.webhooks.listDeadLetters()).map((l) => l.endpoint_id).sort()).toEqual([A, B, C]);
    const body = (await w.webhooks.getEvent(EVENT))?.body;
    await w.admin.remove(C);
    w.clock.advance(366 * 24 * 3_600_000);
    expect(await w.webhooks.getEvent(EVENT)).toBeNull();

    recovered = true;
    expect(await w.admin.redrive({})).toEqual({ redriven: 1, skipped: 2 });
    expect(await w.webhooks.getEvent(EVENT)).toMatchObject({ body, fanned_out: true });
    await w.drain();
    expect(w.post.calls.at(-1)).toMatchObject({ body, target: { url: new URL(urlOf(B)) } });
    expect((await w.webhooks.listDeadLetters()).map((l) => l.endpoint_id).sort()).toEqual([A, C]);
  });

  it('per-endpoint slots cap the attempts in flight to one endpoint; another endpoint is served meanwhile', async () => {
    // Waiters wait as long as it takes here: every slot is freed by the test, in turn.
    const w = deliveryWorld({ slots: new EndpointSlots(2, 3_600_000), answer: () => 'hold' });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.webhooks.addEndpoint(endpoint(B));
    for (let i = 1; i <= 6; i++) await w.queue(A, `pause_${i}.created`);
    for (let i = 1; i <= 2; i++) await w.queue(B, `pause_${i}.created`);
    const ticking = w.runner.tick();

    await w.post.calledTimes(4);
    expect(w.post.inFlightTo(urlOf(A))).toBe(2);
    expect(w.post.inFlightTo(urlOf(B))).toBe(2);
    for (const call of w.post.open.filter((c) => c.target.url.href === urlOf(B))) call.answer(status(204));
    // Each answer from A frees its slot for the next waiting delivery, until all six went out.
    while (w.post.open.length > 0) {
      const made = w.post.calls.length;
      w.post.open[0]?.answer(status(204));
      if (made < 8) await w.post.calledTimes(made + 1);
      expect(w.post.inFlightTo(urlOf(A))).toBeLessThanOrEqual(2);
    }
    await ticking;
    expect(w.post.calls).toHaveLength(8);
    expect(w.post.maxInFlight.get(urlOf(A))).toBe(2);
    expect(w.post.maxInFlight.get(urlOf(B))).toBe(2);
    expect(await w.outcomes()).toEqual({ delivered: 8 });
    expect(await w.jobs.nextWakeAt()).toBeNull();
  });

  it('a delivery finding its endpoint busy past the slot wait steps aside a second or two, unsent, no failure counted', async () => {
    const w = deliveryWorld({ slots: new EndpointSlots(1, 0), answer: () => 'hold' });
    await w.webhooks.addEndpoint(endpoint(A));
    await w.queue(A, 'pause_1.created');
    const second = await w.queue(A, 'pause_2.created');
    const holding = track(w.delivery.onDeliver(jobFor(A, 'pause_1.created')));
    await w.post.calledTimes(1);
    const error = await w.delivery.onDeliver(jobFor(A, 'pause_2.created')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryJobAt);
    expect((error as RetryJobAt).message).toBe('endpoint busy on this replica');
    expect((error as RetryJobAt).runAt).toBeGreaterThanOrEqual(T0 + 1000);
    expect((error as RetryJobAt).runAt).toBeLessThan(T0 + 2000);
    expect(w.post.calls).toHaveLength(1);
    expect(holding.settled).toBe(false);

    w.post.open[0]?.answer(status(204));
    await holding.promise;
    // The slot is free again: the second goes out at once, and its one failure is its first.
    w.post.answer = () => status(500);
    await expect(w.delivery.onDeliver(jobFor(A, 'pause_2.created'))).rejects.toBeInstanceOf(RetryJobAt);
    expect(await w.webhooks.countFailure(second)).toBe(2);
  });
});

describe('property: any sequence of answers', () => {
  const answer = fc.oneof(
    fc.constantFrom(200, 201, 204, 299, 301, 304, 400, 404, 409, 410, 429, 500, 502, 503).map(status),
    fc
      .boolean()
      .map(
        (late): PostOutcome =>
          late ? timedOut(DEFAULT_TIMEOUT_MS) : { kind: 'error', error: 'ECONNREFUSED: refused', timedOut: false },
      ),
  );

  it('ends the delivery exactly once (delivered, disabled or dead-lettered), at the first 2xx or 410, within schedule length + 1 attempts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 * 3_600_000 }), { maxLength: 6 }),
        fc.array(answer, { maxLength: 10 }),
        async (schedule, answers) => {
          const w = deliveryWorld({ retryScheduleMs: schedule, answer: (n) => answers[n - 1] ?? status(500) });
          await w.webhooks.addEndpoint(endpoint(A));
          await w.queue(A);
          await w.drain();

          const ends = answers
            .slice(0, schedule.length + 1)
            .findIndex((a) => a.kind === 'response' && ((a.status >= 200 && a.status < 300) || a.status === 410));
          const attempts = ends >= 0 ? ends + 1 : schedule.length + 1;
          const last = answers[attempts - 1];
          const expected =
            ends < 0 ? 'dead_lettered' : last?.kind === 'response' && last.status === 410 ? 'gone' : 'delivered';

          expect(w.post.calls.length).toBe(attempts);
          expect(w.post.calls.length).toBeLessThanOrEqual(schedule.length + 1);
          // Each retry exactly its wait after the one before.
          expect(w.post.calls.slice(1).map((c, i) => c.at - (w.post.calls[i]?.at ?? 0))).toEqual(
            schedule.slice(0, attempts - 1),
          );
          const outcomes = await w.outcomes();
          expect((outcomes.delivered ?? 0) + (outcomes.gone ?? 0) + (outcomes.dead_lettered ?? 0)).toBe(1);
          expect(outcomes[expected]).toBe(1);
          expect(outcomes.retrying ?? 0).toBe(attempts - 1);
          const letters = await w.webhooks.listDeadLetters();
          expect(letters.map((l) => l.attempts)).toEqual(
            expected === 'delivered' ? [] : [expected === 'gone' ? 1 : attempts],
          );
          expect((await w.webhooks.getEndpoint(A))?.enabled).toBe(expected !== 'gone');
          expect(await w.webhooks.pendingCount()).toBe(0);
          // Over: nothing is queued, and nothing more is sent however long one waits.
          expect(await w.jobs.nextWakeAt()).toBeNull();
          w.clock.advance(365 * 24 * 3_600_000);
          await w.runner.tick();
          expect(w.post.calls.length).toBe(attempts);
        },
      ),
      { numRuns: 200 },
    );
  });
});
