import { defineScript } from '../lua-scripts.js';
import type { DeadLetter } from '../ports/webhooks.js';
import { redisWebhookKeys } from '../redis-keys.js';

export interface WebhookDeadLetterInput {
  /** `<endpoint> <event>`: one letter per delivery. */
  member: string;
  letter: DeadLetter;
  /** Letters beyond this many are dropped, oldest first. */
  limit: number;
}

/** lua/webhook-dead-letter-2.lua: adds (or replaces) a dead letter and trims the list to the limit. */
export const webhookDeadLetterScript = defineScript({
  name: 'webhook-dead-letter',
  numKeys: 2,
  keys: (k, _input: WebhookDeadLetterInput) => {
    const w = redisWebhookKeys(k.base);
    return [w.deadLetters, w.deadLetterOrder] as const;
  },
  args: (_k, { member, letter, limit }: WebhookDeadLetterInput) => [
    /* 1 */ member,
    /* 2 */ JSON.stringify(letter),
    /* 3 */ Date.parse(letter.failed_at),
    /* 4 */ limit,
  ],
  reply: () => undefined,
});
