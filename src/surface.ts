import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DashboardWiring } from './dashboard/wiring.js';
import type { JobRunner } from './jobs/job-runner.js';
import type { Metrics } from './metrics.js';
import type { DecisionTokens } from './store/ports/decision-tokens.js';
import type { JobQueue } from './store/ports/jobs.js';
import type { PauseStore } from './store/ports/pauses.js';
import type { WebhookStore } from './store/ports/webhooks.js';
import type { ApprovalService } from './use-cases/approval-service.js';
import type { IdentityDirectory } from './use-cases/identity-links.js';

/** What a surface (Slack, e-mail) gets to wire itself in: it registers job handlers and routes. */
export interface SurfaceContext {
  config: Config;
  service: ApprovalService;
  /** Slack lists pauses for `/looppause`; e-mail keeps its decision links; webhooks queue deliveries. */
  store: PauseStore & DecisionTokens & Pick<JobQueue, 'enqueueJob'>;
  runner: JobRunner;
  logger: Logger;
  /** The dashboard's wiring (every store port, sessions, sign-in links, API-key auth, the policy). */
  dashboard?: DashboardWiring;
  /** The webhook registry and delivery state. */
  webhooks?: WebhookStore;
  metrics?: Metrics;
}

export interface Surface {
  name: string;
  mounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  /** Mounted behind API-key authentication, the admin check, the JSON parser and the rate limit. */
  adminMounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  /** Who holds which identity (the Slack surface): the service links voters through it. */
  identities?: IdentityDirectory;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type SurfaceFactory = (context: SurfaceContext) => Surface | undefined;
