import { describe, expect, it } from 'vitest';
import { ActionId } from '../../../../src/slack/ids.js';
import { registerActions } from '../../../../src/slack/listeners/actions/index.js';
import { buildButtonArgs, buttonValues, captureListeners, slackDepsOverMemory } from '../../../helpers/slack-unit.js';
import { requestArgs } from '../../../helpers/use-cases.js';

const OPS = 'C0OPS0001';
const MEMBER = 'U0MEMBER1';

describe('registerActions', () => {
  it('Approve decides, Reject… opens the modal to reject, Approve with comment… the modal to approve', async () => {
    const w = slackDepsOverMemory({ members: { [OPS]: [MEMBER] } });
    const listeners = captureListeners(registerActions, w.deps);
    const ask = async () => (await w.request('agent-a', requestArgs({ recipient_slack: OPS }))).pause_id;
    const [approved, rejecting, commenting] = [await ask(), await ask(), await ask()];

    const click = async (actionId: string, value: string) => {
      const { args, ack } = buildButtonArgs(w.slack, { actionId, value, userId: MEMBER, channel: OPS });
      await listeners.action(actionId)(args);
      expect(ack).toHaveBeenCalledTimes(1);
    };
    await click(ActionId.approve, approved);
    await click(ActionId.reject, rejecting);
    await click(ActionId.approveWithComment, commenting);

    expect((await w.store.getPause(approved))?.response?.decision).toBe('approved');
    const modals = w.slack
      .callsTo('views.open')
      .map((o) => JSON.parse(String((o.view as Record<string, unknown>).private_metadata)));
    expect(modals).toEqual([
      { pause_id: rejecting, decision: 'rejected', channel: OPS },
      { pause_id: commenting, decision: 'approved', channel: OPS },
    ]);
    expect((await w.store.getPause(rejecting))?.status).toBe('pending');
    expect((await w.store.getPause(commenting))?.status).toBe('pending');
  });

  it('"Show more" under the /looppause list answers the next page in place', async () => {
    const w = slackDepsOverMemory({ members: { [OPS]: [MEMBER] } });
    const listeners = captureListeners(registerActions, w.deps);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push((await w.request('agent-a', requestArgs({ recipient_slack: OPS }))).pause_id);
      w.clock.advance(1000);
    }
    const first = await w.store.listPauses({ slackOnly: true, status: 'pending', limit: 10 });
    if (!first.next_cursor) throw new Error('a second page expected');
    const { args, ack, respond } = buildButtonArgs(w.slack, {
      actionId: ActionId.listMore,
      value: first.next_cursor,
      userId: MEMBER,
      channel: OPS,
    });
    await listeners.action(ActionId.listMore)(args);
    expect(ack).toHaveBeenCalledTimes(1);
    const answer = respond.mock.calls[0]?.[0] as { response_type: string; replace_original: boolean; blocks: unknown };
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(buttonValues(answer.blocks, ActionId.approve)).toEqual([ids[1], ids[0]]);
  });
});
