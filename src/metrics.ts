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

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** A low-cardinality route label from a concrete path. */
export function routeLabel(path: string): string {
  if (path.startsWith('/v1/pauses/')) return path.endsWith('/cancel') ? '/v1/pauses/:id/cancel' : '/v1/pauses/:id';
  if (path.startsWith('/decide/')) return '/decide/:token';
  if (['/mcp', '/v1/pauses', '/slack/events', '/healthz', '/readyz', '/metrics'].includes(path)) return path;
  return 'other';
}
