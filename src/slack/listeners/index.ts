import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { registerAckUnhandled } from './ack-unhandled.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events/index.js';
import { registerViews } from './views/index.js';

export function registerListeners(app: App, deps: SlackDeps): void {
  registerAckUnhandled(app);
  registerActions(app, deps);
  registerViews(app, deps);
  registerCommands(app, deps);
  registerEvents(app, deps);
}
