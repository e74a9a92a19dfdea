import { Router } from 'express';
import { within } from '../../lib/within.js';
import type { SlackStatus } from '../../slack/connection.js';
import type { StoreHealth } from '../../store/ports/lifecycle.js';

export interface HealthOptions {
  /** How the connection to Slack stands, when Slack is configured: reported, never a reason for 503. */
  slack?: (() => SlackStatus) | undefined;
}

/**
 * Liveness and readiness; outside the Host guard so load balancers may probe by IP. Readiness is
 * about the store: a replica without it can serve nothing. Slack being down is reported in the
 * body only (still 200): every replica shares the one Slack, so a 503 would take them all out of
 * the load balancer while MCP, REST, e-mail and the dashboard still work.
 */
export function healthRouter(store: StoreHealth, options: HealthOptions = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const slack = options.slack ? { slack: slackReadiness(options.slack()) } : {};
    if (
      await within(
        1000,
        store.ping().then(() => true),
      )
    ) {
      res.json({ status: 'ready', store: store.kind, ...slack });
    } else {
      res.status(503).json({ status: 'unavailable', store: store.kind, message: 'the store is unreachable', ...slack });
    }
  });
  return router;
}

/** Whether Slack is reachable and, if not, why; not the bot's or the workspace's name (/readyz is public). */
function slackReadiness(status: SlackStatus): {
  ok: boolean;
  state: SlackStatus['state'];
  error?: string;
  since?: string;
} {
  switch (status.state) {
    case 'connected':
      return { ok: true, state: 'connected' };
    case 'connecting':
      return { ok: false, state: 'connecting' };
    case 'failing':
      return { ok: false, state: 'failing', error: status.error, since: status.since };
  }
}
