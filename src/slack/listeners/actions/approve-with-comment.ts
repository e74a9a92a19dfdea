import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { decisionButtonListener } from './click.js';

/** Approve with comment: the modal, with the comment box. */
export function registerApproveWithComment(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(
    ActionId.approveWithComment,
    decisionButtonListener(deps, 'approve_with_comment'),
  );
}
