import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { decisionButtonListener } from './click.js';

/** Reject: opens the modal for an optional reason. */
export function registerReject(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.reject, decisionButtonListener(deps, 'reject'));
}
