import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { registerLooppauseCommand } from './looppause.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  registerLooppauseCommand(app, deps);
}
