import { Redis } from 'ioredis';
import {
  DEAD_LETTER_LIMIT,
  type DeadLetter,
  type EndpointPatch,
  type WebhookEndpoint,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookStore,
} from './ports/webhooks.js';
import type { RedisClient } from './redis-clients.js';
import { legacyContext, type RedisContext } from './redis-connection.js';
import { type RedisKeys, redisWebhookKeys } from './redis-keys.js';
import { webhookDeadLetterScript } from './scripts/webhook-dead-letter.js';
import { webhookFannedOutScript } from './scripts/webhook-fanned-out.js';
import { webhookSaveEventScript } from './scripts/webhook-save-event.js';
import { webhookUpdateScript } from './scripts/webhook-update.js';

/**
 * The webhook registry and delivery state in Redis: endpoints in one hash (JSON, patched by a
 * script so a 410 and a rotation never undo each other), each event a hash expiring after its last
 * retry, pending deliveries and their failure counts in one hash, dead letters in a hash with a
 * sorted set by failure time (trimmed to the limit by the same script that adds).
 */
export class RedisWebhookStore implements WebhookStore {
  private readonly context: RedisContext;
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof redisWebhookKeys>;
  private readonly deadLetterLimit: number;

  constructor(context: RedisContext, deadLetterLimit?: number);
  /** @deprecated Pass the connection context (`RedisStore.connection`). */
  constructor(redis: Redis, keys: Pick<RedisKeys, 'base'>, deadLetterLimit?: number);
  constructor(first: RedisContext | Redis, second?: Pick<RedisKeys, 'base'> | number, third?: number) {
    const legacy = first instanceof Redis;
    this.context = legacy ? legacyContext(first, second as Pick<RedisKeys, 'base'>) : first;
    this.redis = this.context.redis;
    this.keys = redisWebhookKeys(this.context.keys.base);
    this.deadLetterLimit = (legacy ? third : (second as number | undefined)) ?? DEAD_LETTER_LIMIT;
  }

  async addEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.redis.hset(this.keys.endpoints, endpoint.id, JSON.stringify(endpoint));
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const raw = await this.redis.hget(this.keys.endpoints, id);
    return raw === null ? null : parseEndpoint(raw);
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const all = await this.redis.hvals(this.keys.endpoints);
    return all
      .map(parseEndpoint)
      .filter((e): e is WebhookEndpoint => e !== null)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<WebhookEndpoint | null> {
    const raw = await webhookUpdateScript.run(this.context, { id, patch });
    return raw === null ? null : parseEndpoint(raw);
  }

  async removeEndpoint(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.endpoints, id)) === 1;
  }

  async saveEvent(event: WebhookEvent, retainUntilMs: number): Promise<WebhookEvent> {
    const { type, pauseId, body, fannedOut } = await webhookSaveEventScript.run(this.context, { event, retainUntilMs });
    return {
      id: event.id,
      type: (type ?? event.type) as WebhookEventType,
      pause_id: pauseId ?? event.pause_id,
      body: body ?? event.body,
      fanned_out: fannedOut === '1',
    };
  }

  async getEvent(id: string): Promise<WebhookEvent | null> {
    const [type, pauseId, body, fannedOut] = await this.redis.hmget(
      this.keys.event(id),
      'type',
      'pause_id',
      'body',
      'fanned_out',
    );
    if (type == null || pauseId == null || body == null) return null;
    return { id, type: type as WebhookEventType, pause_id: pauseId, body, fanned_out: fannedOut === '1' };
  }

  async markFannedOut(id: string): Promise<void> {
    await webhookFannedOutScript.run(this.context, { eventId: id });
  }

  async addPending(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const multi = this.redis.multi();
    for (const id of deliveryIds) multi.hsetnx(this.keys.pending, id, '0');
    await multi.exec();
  }

  async countFailure(deliveryId: string): Promise<number> {
    return this.redis.hincrby(this.keys.pending, deliveryId, 1);
  }

  async settle(deliveryId: string): Promise<void> {
    await this.redis.hdel(this.keys.pending, deliveryId);
  }

  async pendingCount(): Promise<number> {
    return this.redis.hlen(this.keys.pending);
  }

  async addDeadLetter(letter: DeadLetter): Promise<void> {
    await webhookDeadLetterScript.run(this.context, {
      member: member(letter.endpoint_id, letter.event.id),
      letter,
      limit: this.deadLetterLimit,
    });
  }

  async listDeadLetters(endpointId?: string): Promise<DeadLetter[]> {
    const members = await this.redis.zrange(this.keys.deadLetterOrder, '0', '-1');
    const wanted = endpointId === undefined ? members : members.filter((m) => m.startsWith(`${endpointId} `));
    if (wanted.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.deadLetters, ...wanted);
    return raws.flatMap((raw) => {
      if (raw === null) return [];
      try {
        return [JSON.parse(raw) as DeadLetter];
      } catch {
        return [];
      }
    });
  }

  async removeDeadLetter(endpointId: string, eventId: string): Promise<void> {
    const key = member(endpointId, eventId);
    await this.redis.multi().hdel(this.keys.deadLetters, key).zrem(this.keys.deadLetterOrder, key).exec();
  }

  async deadLetterCount(): Promise<number> {
    return this.redis.zcard(this.keys.deadLetterOrder);
  }
}

const member = (endpointId: string, eventId: string) => `${endpointId} ${eventId}`;

function parseEndpoint(raw: string): WebhookEndpoint | null {
  try {
    const endpoint = JSON.parse(raw) as WebhookEndpoint;
    // cjson writes an empty array as {}; endpoints always have events, but be safe.
    if (!Array.isArray(endpoint.events)) endpoint.events = [];
    return endpoint;
  } catch {
    return null;
  }
}
