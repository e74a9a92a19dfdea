import type { AllMiddlewareArgs, AnyMiddlewareArgs, App } from '@slack/bolt';
import { ActionId, CallbackId, SLASH_COMMAND } from '../ids.js';

const OUR_ACTIONS: ReadonlySet<string> = new Set(Object.values(ActionId));

/** Whether one of LoopPause's listeners will take (and ack) this interaction. */
export function isOurs(body: unknown): boolean {
  const b = (body ?? {}) as {
    type?: unknown;
    command?: unknown;
    actions?: { action_id?: unknown }[];
    view?: { callback_id?: unknown };
  };
  if (b.command !== undefined) return b.command === SLASH_COMMAND;
  if (b.type === 'block_actions') {
    return Array.isArray(b.actions) && b.actions.every((a) => OUR_ACTIONS.has(String(a?.action_id)));
  }
  if (b.type === 'view_submission' || b.type === 'view_closed') return b.view?.callback_id === CallbackId.decision;
  return true; // events (Bolt acks them itself) and url_verification
}

/**
 * Interactions no listener handles (another app's buttons, stale ids, shortcuts) are acked at
 * once: otherwise Bolt holds the request 3 s, answers 404, and Slack shows the human an error.
 */
export function registerAckUnhandled(app: App): void {
  app.use(async (args: AnyMiddlewareArgs & AllMiddlewareArgs) => {
    if (isOurs(args.body) || !('ack' in args) || typeof args.ack !== 'function') {
      await args.next();
      return;
    }
    args.logger.debug('acked an interaction no listener handles');
    await (args.ack as () => Promise<void>)();
  });
}
