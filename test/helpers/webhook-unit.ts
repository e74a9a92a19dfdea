import { pino } from 'pino';
import { deliveryJobId, JobKind } from '../../src/jobs/job-kinds.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { Metrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { MemoryWebhookStore } from '../../src/store/memory-webhooks.js';
import type { WebhookEndpoint, WebhookEventType } from '../../src/store/ports/webhooks.js';
import { WebhookAdmin } from '../../src/webhook/admin.js';
import { type PostWebhook, WebhookDelivery } from '../../src/webhook/deliver.js';
import { EndpointSlots } from '../../src/webhook/endpoint-slots.js';
import type { PostOutcome, PostTarget } from '../../src/webhook/post.js';
import type { GuardOptions, Resolver } from '../../src/webhook/ssrf-guard.js';
import { ManualClock } from './use-cases.js';

/**
 * Webhook delivery without HTTP: the real WebhookDelivery, WebhookAdmin and JobRunner over a
 * MemoryWebhookStore and a MemoryStore job queue, a ManualClock, and a stub `post` whose answers
 * the test scripts (or holds, to be answered later). Nothing waits on the wall clock.
 */

export const silentLogger = pino({ level: 'silent' });

/** What `hooks.example.com` resolves to: a public address, so the guard lets it through. */
export const PUBLIC_ADDRESS = '93.184.216.34';

/** The guard as in production (private addresses refused); `hooks.example.com` resolves to `addresses()`. */
export function unitGuard(addresses: () => string[]): GuardOptions {
  const resolve: Resolver = async (host) => {
    if (host === 'hooks.example.com') return addresses().map((address) => ({ address, family: 4 }));
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  return { allowPrivate: false, requireHttps: true, resolve };
}

/** `whe_` and 20 base36 characters, as WebhookAdmin mints them. */
export const endpointId = (n: number) => `whe_${String(n).padStart(20, '0')}`;

export function endpoint(id: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id,
    url: `https://hooks.example.com/${id}`,
    events: ['pause.created'],
    secret: `whsec_${Buffer.alloc(32, id).toString('base64')}`,
    enabled: true,
    created_by: 'test',
    created_at: '2030-01-01T00:00:00.000Z',
    ...over,
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface PostCall {
  target: PostTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The ManualClock when the attempt was made. */
  at: number;
}

/**
 * A stub `post`. `answer(n, call)` gives the n-th call's outcome (1-based), or `hold` to leave the
 * call open until the test answers it (`open` lists them). Counts the calls in flight per URL and
 * the most ever seen at once.
 */
export class StubPost {
  readonly calls: PostCall[] = [];
  readonly open: Array<PostCall & { answer(outcome: PostOutcome): void }> = [];
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly waiters: Array<{ n: number; done: () => void }> = [];

  constructor(
    private readonly clock: ManualClock,
    public answer: (n: number, call: PostCall) => PostOutcome | 'hold' = () => ({ kind: 'response', status: 204 }),
  ) {}

  readonly post: PostWebhook = async (target, headers, body, timeoutMs) => {
    const call: PostCall = { target, headers, body, timeoutMs, at: this.clock.ms };
    this.calls.push(call);
    const url = target.url.href;
    const now = (this.inFlight.get(url) ?? 0) + 1;
    this.inFlight.set(url, now);
    this.maxInFlight.set(url, Math.max(now, this.maxInFlight.get(url) ?? 0));
    for (const waiter of this.waiters.filter((w) => this.calls.length >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.done();
    }
    try {
      const scripted = this.answer(this.calls.length, call);
      if (scripted !== 'hold') return scripted;
      const held = deferred<PostOutcome>();
      const entry = {
        ...call,
        answer: (outcome: PostOutcome) => {
          this.open.splice(this.open.indexOf(entry), 1);
          held.resolve(outcome);
        },
      };
      this.open.push(entry);
      return await held.promise;
    } finally {
      this.inFlight.set(url, (this.inFlight.get(url) ?? 1) - 1);
    }
  };

  /** In flight to this URL right now. */
  inFlightTo(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }

  /** Resolves once `n` calls in all have been made: a condition, not a sleep. */
  calledTimes(n: number): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve();
    const { promise, resolve } = deferred<void>();
    this.waiters.push({ n, done: () => resolve() });
    return promise;
  }
}

export const status = (code: number): PostOutcome => ({ kind: 'response', status: code });
export const timedOut = (timeoutMs: number): PostOutcome => ({
  kind: 'error',
  error: `no answer within ${timeoutMs / 1000} s`,
  timedOut: true,
});

export interface DeliveryWorldOptions {
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  slots?: EndpointSlots;
  answer?: StubPost['answer'];
}

export function deliveryWorld(options: DeliveryWorldOptions = {}) {
  const clock = new ManualClock();
  const webhooks = new MemoryWebhookStore(clock.now);
  const jobs = new MemoryStore();
  const metrics = new Metrics({ defaultMetrics: false });
  const post = new StubPost(clock, options.answer);
  const schedule = options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {};
  let addresses = [PUBLIC_ADDRESS];
  const guard = unitGuard(() => addresses);
  const delivery = new WebhookDelivery({
    webhooks,
    guard,
    post: post.post,
    slots: options.slots ?? new EndpointSlots(),
    logger: silentLogger,
    metrics,
    now: clock.now,
    ...schedule,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const runner = new JobRunner({ store: jobs, logger: silentLogger, now: clock.now });
  runner.on(JobKind.webhookDeliver, delivery.onDeliver);
  const admin = new WebhookAdmin({ webhooks, jobs, guard, now: clock.now, ...schedule });

  return {
    clock,
    webhooks,
    jobs,
    metrics,
    post,
    delivery,
    runner,
    admin,
    /** What `hooks.example.com` resolves to from now on. */
    resolveHooksTo(...now: string[]) {
      addresses = now;
    },
    /** Stores an event and queues its delivery to the endpoint, as fan-out does; returns the delivery's job id. */
    async queue(endpointIdOf: string, eventId = 'pause_1.created', type: WebhookEventType = 'pause.created') {
      const body = JSON.stringify({ type, timestamp: new Date(clock.ms).toISOString(), data: { id: eventId } });
      const pauseId = eventId.split('.')[0] ?? eventId;
      await webhooks.saveEvent(
        { id: eventId, type, pause_id: pauseId, body, fanned_out: true },
        clock.ms + 365 * 24 * 3_600_000,
      );
      const id = deliveryJobId(endpointIdOf, eventId);
      await webhooks.addPending([id]);
      const data = { pause_id: pauseId, endpoint_id: endpointIdOf, event_id: eventId };
      await jobs.enqueueJob({ id, kind: JobKind.webhookDeliver, data, run_at: clock.ms });
      return id;
    },
    /** Runs due jobs, moves the clock to the next due time, and again, until no job is left. */
    async drain(maxRounds = 200): Promise<void> {
      for (let round = 0; round < maxRounds; round++) {
        await runner.tick();
        const next = await jobs.nextWakeAt();
        if (next === null) return;
        clock.set(Math.max(next, clock.ms));
      }
      throw new Error(`jobs still queued after ${maxRounds} rounds`);
    },
    /** The delivery counter, by outcome. */
    async outcomes(): Promise<Record<string, number>> {
      const { values } = await metrics.webhookDeliveries.get();
      return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
    },
  };
}

export type DeliveryWorld = ReturnType<typeof deliveryWorld>;
