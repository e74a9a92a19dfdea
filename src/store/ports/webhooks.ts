/** The events a webhook endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'pause.created',
  'pause.delivered',
  'pause.reminded',
  'pause.escalated',
  'pause.decided',
  'pause.timed_out',
  'pause.cancelled',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A registered receiver. `secret` (`whsec_…`) is shown once, at creation and at rotation. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  secret: string;
  enabled: boolean;
  /** Who registered it: the admin API key's name, or `cli`. */
  created_by: string;
  created_at: string;
  /** Why it was disabled (an HTTP 410 from the receiver), when it was. */
  disabled_reason?: string;
}

/**
 * One event, as it goes out: the body is fixed when the event is first fanned out, so every
 * retry, to every endpoint, sends the same bytes under the same `webhook-id`.
 */
export interface WebhookEvent {
  /** `webhook-id` is `msg_<id>`. */
  id: string;
  type: WebhookEventType;
  pause_id: string;
  /** The Standard Webhooks payload, `{type, timestamp, data}`, serialized. */
  body: string;
  /** Deliveries to every subscribed endpoint are queued: fanning out again sends nothing more. */
  fanned_out: boolean;
}

/** A delivery that exhausted its retries (or met a disabled endpoint), kept for redrive. */
export interface DeadLetter {
  endpoint_id: string;
  event: Omit<WebhookEvent, 'fanned_out'>;
  failed_at: string;
  /** Failed attempts before it was given up. */
  attempts: number;
  last_error: string;
}

export type EndpointPatch = { secret?: string; enabled?: boolean; disabled_reason?: string | null };

/**
 * The webhook registry and the state of its deliveries. The deliveries themselves are jobs in the
 * store's job queue (`webhook.deliver`); this port keeps what those jobs read and count.
 */
export interface WebhookStore {
  addEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Every endpoint, oldest first. */
  listEndpoints(): Promise<WebhookEndpoint[]>;
  /** Applies the patch atomically; null when there is no such endpoint. `disabled_reason: null` clears it. */
  updateEndpoint(id: string, patch: EndpointPatch): Promise<WebhookEndpoint | null>;
  /** False when there was no such endpoint. Its queued deliveries find it gone and are dropped. */
  removeEndpoint(id: string): Promise<boolean>;

  /** Stores the event unless one with its id exists; either way returns the stored one. Kept until `retainUntilMs`. */
  saveEvent(event: WebhookEvent, retainUntilMs: number): Promise<WebhookEvent>;
  getEvent(id: string): Promise<WebhookEvent | null>;
  markFannedOut(id: string): Promise<void>;

  /** Deliveries queued and not yet settled (delivered, dead-lettered or dropped), with their failures so far. */
  addPending(deliveryIds: readonly string[]): Promise<void>;
  /** Counts one more failed attempt of a delivery; returns the failures so far. */
  countFailure(deliveryId: string): Promise<number>;
  /** The delivery is over: it leaves the pending set, its failure count goes. */
  settle(deliveryId: string): Promise<void>;
  pendingCount(): Promise<number>;

  /** Adds (or replaces) the dead letter of this endpoint and event. The list keeps the newest `DEAD_LETTER_LIMIT`. */
  addDeadLetter(letter: DeadLetter): Promise<void>;
  /** Oldest first; one endpoint's, or all. */
  listDeadLetters(endpointId?: string): Promise<DeadLetter[]>;
  removeDeadLetter(endpointId: string, eventId: string): Promise<void>;
  deadLetterCount(): Promise<number>;
}

/** Dead letters beyond this many, oldest first, are dropped (a receiver down for months must not fill the store). */
export const DEAD_LETTER_LIMIT = 10_000;
