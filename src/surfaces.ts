import { dashboardSurface } from './dashboard/index.js';
import { emailSurface } from './email/index.js';
import { slackSurface } from './slack/index.js';
import type { SurfaceFactory } from './surface.js';

/** Every surface the service runs besides MCP and REST. Each decides from config whether it is on. */
export const surfaceFactories: readonly SurfaceFactory[] = [slackSurface, emailSurface, dashboardSurface];
