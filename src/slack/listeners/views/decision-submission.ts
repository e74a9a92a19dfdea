import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { missingRequired } from '../../../domain/fields.js';
import { within } from '../../../lib/within.js';
import { parseModalMetadata } from '../../blocks/index.js';
import type { SlackDeps } from '../../deps.js';
import { CallbackId, fieldBlockId, ModalIds } from '../../ids.js';
import { decideFromSlack } from '../decide.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const AUDIENCE_CHECK_MS = 1500;

/**
 * The modal's submit. Required answers are checked before the ack, so a missing one is shown
 * on the field (`response_action: "errors"`) and the modal stays open; otherwise ack (closing
 * the modal) and decide.
 */
export function registerDecisionSubmission(app: App, deps: SlackDeps): void {
  app.view({ type: 'view_submission', callback_id: CallbackId.decision }, async ({ ack, view, body }: Args) => {
    const meta = parseModalMetadata(view.private_metadata);
    if (!meta) {
      await ack();
      return;
    }
    const values = view.state.values;
    const comment = (values[ModalIds.commentBlock]?.[ModalIds.commentAction]?.value ?? '').trim().slice(0, 2000);
    const fields: Record<string, string> = Object.create(null);
    for (const [blockId, actions] of Object.entries(values)) {
      if (!blockId.startsWith(ModalIds.fieldBlockPrefix)) continue;
      const value = actions[ModalIds.fieldAction]?.value;
      if (typeof value === 'string') fields[blockId.slice(ModalIds.fieldBlockPrefix.length)] = value;
    }
    if (meta.decision === 'approved') {
      const pause = await deps.service.get(meta.pause_id);
      const missing = pause?.status === 'pending' ? missingRequired(pause.request.response_fields ?? [], fields) : [];
      // Field names are the request's: only its audience is told which are missing. The check must
      // not outlast Slack's 3 s ack: when it cannot answer in time, ack and let decideFromSlack say it.
      if (
        pause &&
        missing.length > 0 &&
        (await within(AUDIENCE_CHECK_MS, deps.audience.verdict(pause, body.user.id)))?.allowed
      ) {
        await ack({
          response_action: 'errors',
          errors: Object.fromEntries(
            missing.map((name) => [fieldBlockId(name), 'This answer is required to approve.']),
          ),
        });
        return;
      }
    }
    await ack();
    await decideFromSlack(deps, {
      pauseId: meta.pause_id,
      userId: body.user.id,
      channel: meta.channel,
      decision: meta.decision,
      comment,
      fields,
      ...(meta.remember ? { remember: true } : {}),
    });
  });
}
