import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics for one service instance (its own registry, so tests can run several). */
export class Metrics {
  readonly registry = new Registry();

  readonly pausesCreated = new Counter({
    name: 'looppause_pauses_created_total',
    help: 'Pauses created, by where the request goes',
    labelNames: ['recipients'] as const,
    registers: [this.registry],
  });

  readonly pausesEnded = new Counter({
    name: 'looppause_pauses_ended_total',
    help: 'Pauses that left pending on this replica, by outcome and channel (decided, timed_out, cancelled)',
    labelNames: ['outcome', 'channel'] as const,
    registers: [this.registry],
  });

  readonly timeToDecision = new Histogram({
    name: 'looppause_time_to_decision_seconds',
    help: 'From request to human decision',
    labelNames: ['channel'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
    registers: [this.registry],
  });

  readonly deliveryFailures = new Counter({
    name: 'looppause_delivery_failures_total',
    help: 'Failed deliveries (each failed attempt), by surface',
    labelNames: ['surface'] as const,
    registers: [this.registry],
  });

  readonly waitingChecks = new Gauge({
    name: 'looppause_waiting_checks',
    help: 'check_approval calls currently held open (long-polls)',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'looppause_http_request_duration_seconds',
    help: 'HTTP request duration, by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 30, 60],
    registers: [this.registry],
  });

  /** Webhooks: one count per attempt, by what came of it. */
  readonly webhookDeliveries = new Counter({
    name: 'looppause_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retrying, dead_lettered, gone (410: endpoint disabled), dropped (endpoint or event gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookAttemptDuration = new Histogram({
    name: 'looppause_webhook_attempt_duration_seconds',
    help: 'One webhook HTTP attempt, by result (2xx, 3xx, 4xx, 5xx, timeout, error, refused)',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly webhookDeadLettered = new Counter({
    name: 'looppause_webhook_dead_letters_total',
    help: 'Webhook deliveries given up and put on the dead-letter list (on this replica)',
    registers: [this.registry],
  });

  /** Read from the store at scrape time (shared by every replica). */
  private readonly webhookQueue: WebhookQueueDepth | undefined;

  readonly webhookPending = new Gauge({
    name: 'looppause_webhook_deliveries_pending',
    help: 'Webhook deliveries queued or waiting to retry, across replicas (the queue depth)',
    registers: [this.registry],
    collect: async () => {
      const queue = this.webhookQueue;
      if (queue) this.webhookPending.set(await queue.pending().catch(() => Number.NaN));
    },
  });

  readonly webhookDeadLetters = new Gauge({
    name: 'looppause_webhook_dead_letters',
    help: 'Webhook deliveries on the dead-letter list, across replicas (redrive with looppause webhooks redrive)',
    registers: [this.registry],
    collect: async () => {
      const queue = this.webhookQueue;
      if (queue) this.webhookDeadLetters.set(await queue.deadLetters().catch(() => Number.NaN));
    },
  });

  constructor(options: { defaultMetrics?: boolean; webhookQueue?: WebhookQueueDepth } = {}) {
    this.webhookQueue = options.webhookQueue;
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** The webhook queue's depth, read from the store when metrics are scraped. */
export interface WebhookQueueDepth {
  pending(): Promise<number>;
  deadLetters(): Promise<number>;
}

/** A low-cardinality route label from a concrete path. */
export function routeLabel(path: string): string {
  if (path.startsWith('/v1/pauses/')) return path.endsWith('/cancel') ? '/v1/pauses/:id/cancel' : '/v1/pauses/:id';
  if (path.startsWith('/decide/')) return '/decide/:token';
  if (path.startsWith('/v1/webhooks/')) {
    const rest = path.slice('/v1/webhooks/'.length);
    if (rest === 'dead-letters' || rest === 'redrive') return `/v1/webhooks/${rest}`;
    if (rest.endsWith('/rotate-secret')) return '/v1/webhooks/:id/rotate-secret';
    return rest.endsWith('/enable') ? '/v1/webhooks/:id/enable' : '/v1/webhooks/:id';
  }
  if (['/mcp', '/v1/pauses', '/v1/webhooks', '/slack/events', '/healthz', '/readyz', '/metrics'].includes(path))
    return path;
  return 'other';
}
