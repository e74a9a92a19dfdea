import { describe, expect, it } from 'vitest';
import { ActionId, CallbackId, SLASH_COMMAND } from '../../src/slack/ids.js';
import { isOurs } from '../../src/slack/listeners/ack-unhandled.js';

describe('isOurs: which interactions a LoopPause listener takes', () => {
  it('takes its own buttons, modal and command', () => {
    expect(isOurs({ type: 'block_actions', actions: [{ action_id: ActionId.approve }] })).toBe(true);
    expect(isOurs({ type: 'view_submission', view: { callback_id: CallbackId.decision } })).toBe(true);
    expect(isOurs({ command: SLASH_COMMAND })).toBe(true);
  });

  it('leaves other buttons, modals, commands and shapes to be acked and dropped', () => {
    expect(isOurs({ type: 'block_actions', actions: [{ action_id: 'other' }] })).toBe(false);
    expect(isOurs({ type: 'block_actions', actions: 'nope' })).toBe(false);
    expect(isOurs({ type: 'view_submission', view: { callback_id: 'other' } })).toBe(false);
    expect(isOurs({ type: 'view_closed' })).toBe(false);
    expect(isOurs({ command: '/deploy' })).toBe(false);
  });

  it('lets events through to Bolt, which acks them itself', () => {
    expect(isOurs({ type: 'event_callback', event: { type: 'app_home_opened' } })).toBe(true);
  });
});
