import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import { deliveryJobId, JobKind } from '../jobs/job-kinds.js';
import type { JobQueue } from '../store/ports/jobs.js';
import {
  type DeadLetter,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookStore,
} from '../store/ports/webhooks.js';
import { eventRetentionMs } from './deliver.js';
import { newWebhookSecret } from './signer.js';
import { type GuardOptions, UrlRefused, vetUrl } from './ssrf-guard.js';

export const MAX_URL_LENGTH = 2048;
export const ENDPOINT_ID_PATTERN = /^whe_[a-z0-9]{20}$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const CONTROL = /[\u0000-\u0020\u007f-\u009f]/;

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }), {
    error: `must be a list of events (${WEBHOOK_EVENT_TYPES.join(', ')})`,
  })
  .min(1, 'must name at least one event')
  .max(WEBHOOK_EVENT_TYPES.length, `must name each event at most once (${WEBHOOK_EVENT_TYPES.length} at most)`)
  .refine((events) => new Set(events).size === events.length, 'must name each event at most once');

const addSchema = z.strictObject({
  url: z
    .string({ error: 'is required: the http(s) URL that receives the events' })
    .min(1, 'is required: the http(s) URL that receives the events')
    .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
    .refine((url) => !LONE_SURROGATE.test(url), 'must be well-formed text (no lone surrogates)')
    .refine((url) => !CONTROL.test(url), 'must not contain control characters or spaces'),
  events: eventsSchema,
});

const redriveSchema = z.strictObject({ endpoint_id: z.string().optional() });

/** An endpoint as listed: without its secret, which is shown only at creation and rotation. */
export type ListedEndpoint = Omit<WebhookEndpoint, 'secret'>;

const listed = ({ secret: _, ...rest }: WebhookEndpoint): ListedEndpoint => rest;

/** Endpoint ids: `whe_` and 100 random bits, base36. */
function newEndpointId(): string {
  const n = BigInt(`0x${randomBytes(13).toString('hex')}`) & ((1n << 100n) - 1n);
  return `whe_${n.toString(36).padStart(20, '0').slice(-20)}`;
}

export interface WebhookAdminDeps {
  webhooks: WebhookStore;
  /** Where a redrive queues its deliveries; the webhook surface's delivery handler runs them. */
  jobs: Pick<JobQueue, 'enqueueJob'>;
  guard: GuardOptions;
  /** The deliveries' retry schedule: a redriven event is kept until its last retry, and a day more. */
  retryScheduleMs?: readonly number[];
  now?: () => number;
}

/**
 * Managing webhook endpoints, for the admin REST routes, the dashboard and the `looppause webhooks`
 * CLI alike: arguments are validated (errors name the field), a URL is resolved and refused when it
 * points at a private or metadata address, and a refusal stores nothing.
 */
export class WebhookAdmin {
  private readonly now: () => number;

  constructor(private readonly deps: WebhookAdminDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Registers an endpoint; the answer carries the secret, shown this once. */
  async add(input: unknown, createdBy: string): Promise<WebhookEndpoint> {
    const { url, events } = parseInput(addSchema, input);
    try {
      await vetUrl(url, this.deps.guard);
    } catch (error) {
      if (error instanceof UrlRefused) throw new LoopPauseError('invalid_argument', `url: ${error.message}`, 'url');
      throw error;
    }
    const endpoint: WebhookEndpoint = {
      id: newEndpointId(),
      url: new URL(url).href,
      events,
      secret: newWebhookSecret(),
      enabled: true,
      created_by: createdBy,
      created_at: new Date(this.now()).toISOString(),
    };
    await this.deps.webhooks.addEndpoint(endpoint);
    return endpoint;
  }

  async list(): Promise<ListedEndpoint[]> {
    return (await this.deps.webhooks.listEndpoints()).map(listed);
  }

  async get(id: string): Promise<ListedEndpoint> {
    return listed(await found(id, (known) => this.deps.webhooks.getEndpoint(known)));
  }

  async remove(id: string): Promise<void> {
    await found(id, (known) => this.deps.webhooks.removeEndpoint(known));
  }

  /** A new secret, shown this once; the old one stops signing at once. */
  async rotateSecret(id: string): Promise<{ id: string; secret: string }> {
    const secret = newWebhookSecret();
    await found(id, (known) => this.deps.webhooks.updateEndpoint(known, { secret }));
    return { id, secret };
  }

  /** Enables an endpoint again (after a 410); its dead letters can then be redriven. */
  async enable(id: string): Promise<ListedEndpoint> {
    const updated = await found(id, (known) =>
      this.deps.webhooks.updateEndpoint(known, { enabled: true, disabled_reason: null }),
    );
    return listed(updated);
  }

  async deadLetters(endpointId?: string): Promise<DeadLetter[]> {
    if (endpointId !== undefined) await this.get(endpointId);
    return this.deps.webhooks.listDeadLetters(endpointId);
  }

  /** Delivers the dead letters again (one endpoint's, or all): `{redriven, skipped}` (skipped: disabled or removed endpoints). */
  async redrive(input: unknown): Promise<{ redriven: number; skipped: number }> {
    const { endpoint_id: endpointId } = parseInput(redriveSchema, input ?? {});
    if (endpointId !== undefined) {
      await found(endpointId, (known) => this.deps.webhooks.getEndpoint(known), 'endpoint_id');
    }
    return this.requeueDeadLetters(endpointId);
  }

  /**
   * Queues the dead letters again (one endpoint's, or all), each with a fresh retry schedule and
   * its original body and `webhook-id`. Letters of a removed or disabled endpoint stay on the list.
   */
  private async requeueDeadLetters(endpointId?: string): Promise<{ redriven: number; skipped: number }> {
    const { webhooks, jobs } = this.deps;
    const retentionMs = eventRetentionMs(this.deps.retryScheduleMs);
    const endpoints = new Map((await webhooks.listEndpoints()).map((e) => [e.id, e]));
    let redriven = 0;
    let skipped = 0;
    for (const letter of await webhooks.listDeadLetters(endpointId)) {
      if (!endpoints.get(letter.endpoint_id)?.enabled) {
        skipped++;
        continue;
      }
      const nowMs = this.now();
      // The body may have expired with the event: store it again, as it was.
      await webhooks.saveEvent({ ...letter.event, fanned_out: true }, nowMs + retentionMs);
      const id = deliveryJobId(letter.endpoint_id, letter.event.id);
      await webhooks.settle(id);
      await webhooks.addPending([id]);
      const data = { pause_id: letter.event.pause_id, endpoint_id: letter.endpoint_id, event_id: letter.event.id };
      await jobs.enqueueJob({ id, kind: JobKind.webhookDeliver, data, run_at: nowMs });
      await webhooks.removeDeadLetter(letter.endpoint_id, letter.event.id);
      redriven++;
    }
    return { redriven, skipped };
  }
}

/**
 * Runs `lookup` for a well-formed endpoint id (any other is simply not found, and never reaches the
 * store): its answer, or `not_found` naming `field` when there is none.
 */
async function found<T>(id: string, lookup: (id: string) => Promise<T | null | false>, field = 'id'): Promise<T> {
  const result = ENDPOINT_ID_PATTERN.test(id) ? await lookup(id) : null;
  if (!result) {
    throw new LoopPauseError('not_found', `No webhook endpoint with id ${JSON.stringify(id.slice(0, 64))}.`, field);
  }
  return result;
}
