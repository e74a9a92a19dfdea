import { dashboardSurface } from './dashboard/index.js';
import { emailSurface } from './email/index.js';
import { slackSurface } from './slack/index.js';
import type { SurfaceFactory } from './surface.js';
import { webhookSurface } from './webhook/index.js';

/**
 * Every surface the service runs besides MCP and REST. Each decides from config whether it is on.
 * Webhooks first: handlers of one job run in this order, so a failing Slack update never holds
 * back the `pause.ended` webhook.
 */
export const surfaceFactories: readonly SurfaceFactory[] = [
  webhookSurface,
  slackSurface,
  emailSurface,
  dashboardSurface,
];
