import {
  DEAD_LETTER_LIMIT,
  type DeadLetter,
  type EndpointPatch,
  type WebhookEndpoint,
  type WebhookEvent,
  type WebhookStore,
} from './ports/webhooks.js';

/** MemoryWebhookStore's state as plain data (memory-snapshot.ts); dead letters oldest failure first. */
export interface MemoryWebhooksState {
  endpoints: WebhookEndpoint[];
  events: [string, { event: WebhookEvent; until: number }][];
  pending: [string, number][];
  deadLetters: [string, DeadLetter][];
}

/** The webhook registry and delivery state in process memory (the embedded default). */
export class MemoryWebhookStore implements WebhookStore {
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly events = new Map<string, { event: WebhookEvent; until: number }>();
  private readonly pending = new Map<string, number>();
  /** Insertion order is failure order: a replaced letter moves to the end. */
  private readonly deadLetters = new Map<string, DeadLetter>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly deadLetterLimit = DEAD_LETTER_LIMIT,
  ) {}

  snapshot(): MemoryWebhooksState {
    return structuredClone({
      endpoints: [...this.endpoints.values()],
      events: [...this.events],
      pending: [...this.pending],
      deadLetters: [...this.deadLetters],
    });
  }

  /** Loads a snapshot into a fresh store. */
  restore(state: MemoryWebhooksState): void {
    const s = structuredClone(state);
    for (const endpoint of s.endpoints) this.endpoints.set(endpoint.id, endpoint);
    for (const [id, entry] of s.events) this.events.set(id, entry);
    for (const [id, failures] of s.pending) this.pending.set(id, failures);
    for (const [key, letter] of s.deadLetters) this.deadLetters.set(key, letter);
  }

  async addEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    return endpoint ? structuredClone(endpoint) : null;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    return [...this.endpoints.values()]
      .map((e) => structuredClone(e))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<WebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) return null;
    if (patch.secret !== undefined) endpoint.secret = patch.secret;
    if (patch.enabled !== undefined) endpoint.enabled = patch.enabled;
    if (patch.disabled_reason === null) delete endpoint.disabled_reason;
    else if (patch.disabled_reason !== undefined) endpoint.disabled_reason = patch.disabled_reason;
    return structuredClone(endpoint);
  }

  async removeEndpoint(id: string): Promise<boolean> {
    return this.endpoints.delete(id);
  }

  async saveEvent(event: WebhookEvent, retainUntilMs: number): Promise<WebhookEvent> {
    const existing = this.liveEvent(event.id);
    if (existing) return { ...existing };
    this.events.set(event.id, { event: { ...event }, until: retainUntilMs });
    return { ...event };
  }

  async getEvent(id: string): Promise<WebhookEvent | null> {
    const event = this.liveEvent(id);
    return event ? { ...event } : null;
  }

  async markFannedOut(id: string): Promise<void> {
    const event = this.liveEvent(id);
    if (event) event.fanned_out = true;
  }

  private liveEvent(id: string): WebhookEvent | undefined {
    const entry = this.events.get(id);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.events.delete(id);
      return undefined;
    }
    return entry.event;
  }

  async addPending(deliveryIds: readonly string[]): Promise<void> {
    for (const id of deliveryIds) if (!this.pending.has(id)) this.pending.set(id, 0);
  }

  async countFailure(deliveryId: string): Promise<number> {
    const failures = (this.pending.get(deliveryId) ?? 0) + 1;
    this.pending.set(deliveryId, failures);
    return failures;
  }

  async settle(deliveryId: string): Promise<void> {
    this.pending.delete(deliveryId);
  }

  async pendingCount(): Promise<number> {
    return this.pending.size;
  }

  async addDeadLetter(letter: DeadLetter): Promise<void> {
    const key = `${letter.endpoint_id} ${letter.event.id}`;
    this.deadLetters.delete(key);
    this.deadLetters.set(key, structuredClone(letter));
    while (this.deadLetters.size > this.deadLetterLimit) {
      const oldest = this.deadLetters.keys().next().value;
      if (oldest === undefined) break;
      this.deadLetters.delete(oldest);
    }
  }

  async listDeadLetters(endpointId?: string): Promise<DeadLetter[]> {
    return [...this.deadLetters.values()]
      .filter((l) => endpointId === undefined || l.endpoint_id === endpointId)
      .map((l) => structuredClone(l));
  }

  async removeDeadLetter(endpointId: string, eventId: string): Promise<void> {
    this.deadLetters.delete(`${endpointId} ${eventId}`);
  }

  async deadLetterCount(): Promise<number> {
    return this.deadLetters.size;
  }
}
