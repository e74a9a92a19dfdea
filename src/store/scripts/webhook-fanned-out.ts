import { defineScript } from '../lua-scripts.js';
import { redisWebhookKeys } from '../redis-keys.js';

/** lua/webhook-fanned-out-1.lua: marks an event fanned out, only while it exists. */
export const webhookFannedOutScript = defineScript({
  name: 'webhook-fanned-out',
  numKeys: 1,
  keys: (k, { eventId }: { eventId: string }) => [redisWebhookKeys(k.base).event(eventId)] as const,
  args: () => [],
  reply: () => undefined,
});
