import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { decisionButtonListener } from './click.js';

/**
 * Approve for this session: on a tool call whose rule sets `remember`, approves it and lets the
 * same call in the same session through until the rule's window lapses.
 */
export function registerApproveForSession(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.approveForSession, decisionButtonListener(deps, 'approve_session'));
}
