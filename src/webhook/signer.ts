import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries expect. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** `webhook-id` of an event: the same on every retry, so receivers can drop duplicates. */
const webhookId = (eventId: string) => `msg_${eventId}`;

/**
 * The Standard Webhooks headers for one attempt, signed by the `standardwebhooks` library. The
 * timestamp is the attempt's (receivers refuse old ones); the id and body are the event's.
 */
export function signedHeaders(secret: string, eventId: string, body: string, at: Date): Record<string, string> {
  const id = webhookId(eventId);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
