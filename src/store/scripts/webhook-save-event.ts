import { defineScript } from '../lua-scripts.js';
import type { WebhookEvent } from '../ports/webhooks.js';
import { redisWebhookKeys } from '../redis-keys.js';

export interface WebhookSaveEventInput {
  event: WebhookEvent;
  retainUntilMs: number;
}

/** lua/webhook-save-event-1.lua: stores an event unless it exists; the stored event's type, pause id, body and fanned-out flag. */
export const webhookSaveEventScript = defineScript({
  name: 'webhook-save-event',
  numKeys: 1,
  keys: (k, { event }: WebhookSaveEventInput) => [redisWebhookKeys(k.base).event(event.id)] as const,
  args: (_k, { event, retainUntilMs }: WebhookSaveEventInput) => [
    /* 1 */ event.type,
    /* 2 */ event.pause_id,
    /* 3 */ event.body,
    /* 4 */ retainUntilMs,
  ],
  reply: (raw) => {
    const [type, pauseId, body, fannedOut] = raw as (string | null)[];
    return { type, pauseId, body, fannedOut };
  },
});
