import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { registerDecisionSubmission } from './decision-submission.js';

export function registerViews(app: App, deps: SlackDeps): void {
  registerDecisionSubmission(app, deps);
}
