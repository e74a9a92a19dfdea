import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { decisionButtonListener } from './click.js';

/** Approve: decides at once, unless the request asks for answers (then the modal opens). */
export function registerApprove(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.approve, decisionButtonListener(deps, 'approve'));
}
