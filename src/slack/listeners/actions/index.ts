import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { registerApprove } from './approve.js';
import { registerApproveForSession } from './approve-for-session.js';
import { registerApproveWithComment } from './approve-with-comment.js';
import { registerHomeMore } from './home-more.js';
import { registerListMore } from './list-more.js';
import { registerReject } from './reject.js';

export function registerActions(app: App, deps: SlackDeps): void {
  registerApprove(app, deps);
  registerReject(app, deps);
  registerApproveWithComment(app, deps);
  registerApproveForSession(app, deps);
  registerListMore(app, deps);
  registerHomeMore(app, deps);
}
