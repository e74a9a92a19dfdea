import { describe, expect, it } from 'vitest';
import { verifyDecision } from '../../../../src/domain/signing.js';
import { alreadyFinalText, NOT_APPROVER_TEXT, refusalText } from '../../../../src/slack/blocks/index.js';
import { ActionId, CallbackId } from '../../../../src/slack/ids.js';
import { decisionButtonListener } from '../../../../src/slack/listeners/actions/click.js';
import { buildButtonArgs, slackDepsOverMemory } from '../../../helpers/slack-unit.js';
import { ACTION, requestArgs, UNIT_SIGNING_SECRET } from '../../../helpers/use-cases.js';

const OPS = 'C0OPS0001';
const MEMBER = 'U0MEMBER1';
const OUTSIDER = 'U0OUTSIDE';

function world() {
  return slackDepsOverMemory({ members: { [OPS]: [MEMBER] }, emails: { [MEMBER]: 'member@example.com' } });
}

async function channelPause(w: ReturnType<typeof world>, extra: Parameters<typeof requestArgs>[0] = {}) {
  return (await w.request('agent-a', requestArgs({ recipient_slack: OPS, ...extra }))).pause_id;
}

describe('decision buttons: the click listener', () => {
  it('acks once, before any Slack call, even while Slack is slow', async () => {
    const w = world();
    const id = await channelPause(w);
    const release = w.slack.hold('conversations.members');
    const { args, ack } = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: id,
      userId: MEMBER,
      channel: OPS,
    });

    const running = decisionButtonListener(w.deps, 'approve')(args);
    await new Promise((r) => setImmediate(r));
    expect(ack).toHaveBeenCalledTimes(1);
    expect(w.slack.events).toEqual(['ack', 'conversations.members']);
    expect((await w.store.getPause(id))?.status).toBe('pending');

    release();
    await running;
    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith();
    expect((await w.store.getPause(id))?.status).toBe('responded');
  });

  it("refuses a non-member's click with an ephemeral message; nothing is decided", async () => {
    const w = world();
    const id = await channelPause(w);
    const { args, ack } = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: id,
      userId: OUTSIDER,
      channel: OPS,
    });
    await decisionButtonListener(w.deps, 'approve')(args);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(w.slack.callsTo('chat.postEphemeral')).toEqual([
      { channel: OPS, user: OUTSIDER, text: refusalText({ allowed: false, why: 'not_member' }) },
    ]);
    expect(w.slack.callsTo('views.open')).toEqual([]);
    expect((await w.store.getPause(id))?.status).toBe('pending');
  });

  it("decides on a member's Approve, signed, with their Slack e-mail as responder", async () => {
    const w = world();
    const id = await channelPause(w);
    w.clock.advance(5_000);
    const { args, ack } = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: id,
      userId: MEMBER,
      channel: OPS,
    });
    await decisionButtonListener(w.deps, 'approve')(args);

    expect(ack).toHaveBeenCalledTimes(1);
    const pause = await w.store.getPause(id);
    expect(pause?.status).toBe('responded');
    expect(pause?.response).toMatchObject({ decision: 'approved', responder: 'member@example.com', channel: 'slack' });
    expect(verifyDecision(UNIT_SIGNING_SECRET, pause?.response, { pause_id: id, action: ACTION })).toEqual({
      ok: true,
    });
    expect(w.slack.privateTexts(MEMBER)).toEqual([]);
  });

  it('named approvers narrow the channel: those in it decide, matched by their Slack e-mail in any case; others are refused', async () => {
    const w = world();
    w.slack.emails.set('U0ADA0001', 'Ada@Example.com');
    w.slack.members.set(OPS, [MEMBER, 'U0ADA0001']);
    const id = await channelPause(w, { approvers: ['ada@example.com', OUTSIDER] });

    const outsider = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: id,
      userId: OUTSIDER,
      channel: OPS,
    });
    await decisionButtonListener(w.deps, 'approve')(outsider.args);
    expect(w.slack.privateTexts(OUTSIDER)).toEqual([refusalText({ allowed: false, why: 'not_member' })]);

    const member = buildButtonArgs(w.slack, { actionId: ActionId.approve, value: id, userId: MEMBER, channel: OPS });
    await decisionButtonListener(w.deps, 'approve')(member.args);
    expect(w.slack.privateTexts(MEMBER)).toEqual([NOT_APPROVER_TEXT]);
    expect((await w.store.getPause(id))?.status).toBe('pending');

    const ada = buildButtonArgs(w.slack, { actionId: ActionId.approve, value: id, userId: 'U0ADA0001', channel: null });
    await decisionButtonListener(w.deps, 'approve')(ada.args);
    expect((await w.store.getPause(id))?.response?.responder).toBe('Ada@Example.com');
  });

  it('tells a refused App Home click by DM (there is no channel for an ephemeral)', async () => {
    const w = world();
    const id = await channelPause(w);
    const { args } = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: id,
      userId: OUTSIDER,
      channel: null,
    });
    await decisionButtonListener(w.deps, 'approve')(args);
    expect(w.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(w.slack.callsTo('chat.postMessage')).toEqual([
      { channel: OUTSIDER, text: refusalText({ allowed: false, why: 'not_member' }) },
    ]);
  });

  it('refuses, and says why, when channel membership cannot be read', async () => {
    const w = world();
    w.slack.failing.set('conversations.members', 'missing_scope');
    const id = await channelPause(w);
    const { args } = buildButtonArgs(w.slack, { actionId: ActionId.approve, value: id, userId: MEMBER, channel: OPS });
    await decisionButtonListener(w.deps, 'approve')(args);
    expect(w.slack.privateTexts(MEMBER)).toEqual([
      refusalText({ allowed: false, why: 'unreadable', channel: OPS, error: 'missing_scope' }),
    ]);
    expect((await w.store.getPause(id))?.status).toBe('pending');
  });

  it('Reject… and Approve… with answers to give open the modal; nothing is decided yet', async () => {
    const w = world();
    const plain = await channelPause(w);
    const withFields = await channelPause(w, { response_fields: [{ name: 'po', label: 'PO', required: true }] });

    const reject = buildButtonArgs(w.slack, { actionId: ActionId.reject, value: plain, userId: MEMBER, channel: OPS });
    await decisionButtonListener(w.deps, 'reject')(reject.args);
    const approve = buildButtonArgs(w.slack, {
      actionId: ActionId.approve,
      value: withFields,
      userId: MEMBER,
      channel: OPS,
    });
    await decisionButtonListener(w.deps, 'approve')(approve.args);

    const opened = w.slack.callsTo('views.open') as { trigger_id: string; view: Record<string, string> }[];
    expect(opened.map((o) => [o.trigger_id, o.view.callback_id])).toEqual([
      [reject.args.body.trigger_id, CallbackId.decision],
      [approve.args.body.trigger_id, CallbackId.decision],
    ]);
    expect(opened.map((o) => JSON.parse(o.view.private_metadata ?? '{}'))).toEqual([
      { pause_id: plain, decision: 'rejected', channel: OPS },
      { pause_id: withFields, decision: 'approved', channel: OPS },
    ]);
    expect((await w.store.getPause(plain))?.status).toBe('pending');
    expect((await w.store.getPause(withFields))?.status).toBe('pending');
  });

  it('a click on a finished request is told the outcome, and changes nothing', async () => {
    const w = world();
    const id = await channelPause(w);
    await w.service.decide(id, {
      decision: 'rejected',
      responder: 'bob@example.com',
      channel: 'email',
      identities: ['bob@example.com'],
    });
    const { args } = buildButtonArgs(w.slack, { actionId: ActionId.approve, value: id, userId: MEMBER, channel: OPS });
    await decisionButtonListener(w.deps, 'approve')(args);
    const pause = await w.store.getPause(id);
    expect(pause?.response?.decision).toBe('rejected');
    expect(w.slack.privateTexts(MEMBER)).toEqual([alreadyFinalText(pause ?? fail())]);
  });

  it('a button value that is not a pause id is acked and ignored', async () => {
    const w = world();
    const id = await channelPause(w);
    for (const value of ['', 'pse_', `${id} `, '../../x', 'x'.repeat(5000)]) {
      const { args, ack } = buildButtonArgs(w.slack, {
        actionId: ActionId.approve,
        value,
        userId: MEMBER,
        channel: OPS,
      });
      await decisionButtonListener(w.deps, 'approve')(args);
      expect(ack).toHaveBeenCalledTimes(1);
    }
    expect(w.slack.calls).toEqual([]);
    expect((await w.store.getPause(id))?.status).toBe('pending');
  });
});

function fail(): never {
  throw new Error('pause expected');
}
