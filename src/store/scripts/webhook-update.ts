import { defineScript } from '../lua-scripts.js';
import type { EndpointPatch } from '../ports/webhooks.js';
import { redisWebhookKeys } from '../redis-keys.js';

export interface WebhookUpdateInput {
  id: string;
  patch: EndpointPatch;
}

/** lua/webhook-update-1.lua: patches one endpoint atomically; its JSON after the patch, or null when there is none. */
export const webhookUpdateScript = defineScript({
  name: 'webhook-update',
  numKeys: 1,
  keys: (k, _input: WebhookUpdateInput) => [redisWebhookKeys(k.base).endpoints] as const,
  args: (_k, { id, patch }: WebhookUpdateInput) => {
    // `false` stands for "clear" in the script (cjson has no way to tell null from absent).
    const wire = { ...patch, ...(patch.disabled_reason === null ? { disabled_reason: false } : {}) };
    return [/* 1 */ id, /* 2 */ JSON.stringify(wire)];
  },
  reply: (raw) => (typeof raw === 'string' ? raw : null),
});
