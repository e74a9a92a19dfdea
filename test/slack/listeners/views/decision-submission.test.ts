import { describe, expect, it, vi } from 'vitest';
import { verifyDecision } from '../../../../src/domain/signing.js';
import { alreadyFinalText, decisionModal, refusalText } from '../../../../src/slack/blocks/index.js';
import { CallbackId, fieldBlockId, ModalIds } from '../../../../src/slack/ids.js';
import { registerDecisionSubmission } from '../../../../src/slack/listeners/views/decision-submission.js';
import { buildViewSubmissionArgs, captureListeners, slackDepsOverMemory } from '../../../helpers/slack-unit.js';
import { ACTION, requestArgs, UNIT_SIGNING_SECRET } from '../../../helpers/use-cases.js';

const OPS = 'C0OPS0001';
const MEMBER = 'U0MEMBER1';
const OUTSIDER = 'U0OUTSIDE';
const FIELDS = [
  { name: 'po_number', label: 'PO number', required: true },
  { name: 'cost_center', label: 'Cost center', required: true },
  { name: 'note', label: 'Note' },
];

async function world() {
  const w = slackDepsOverMemory({ members: { [OPS]: [MEMBER] }, emails: { [MEMBER]: 'member@example.com' } });
  const listener = captureListeners(registerDecisionSubmission, w.deps).view(CallbackId.decision);
  const id = (await w.request('agent-a', requestArgs({ recipient_slack: OPS, response_fields: FIELDS }))).pause_id;
  const pause = await w.service.get(id);
  if (!pause) throw new Error('pause expected');
  /** Submits the modal the click opened for `decision`, as `userId`, with these answers by block id. */
  const submit = async (decision: 'approved' | 'rejected', userId: string, values: Record<string, string>) => {
    const { args, ack } = buildViewSubmissionArgs(w.slack, {
      view: decisionModal(pause, decision, OPS),
      userId,
      values,
    });
    await listener(args);
    expect(ack).toHaveBeenCalledTimes(1);
    return ack;
  };
  /** The Slack calls made before the ack. */
  const beforeAck = () => w.slack.events.slice(0, w.slack.events.indexOf('ack'));
  return { ...w, id, listener, submit, beforeAck };
}

describe('the decision modal: view_submission', () => {
  it('an approval missing required answers acks with errors on those fields; the modal stays, nothing is decided', async () => {
    const w = await world();
    const ack = await w.submit('approved', MEMBER, {
      [fieldBlockId('po_number')]: '  ',
      [fieldBlockId('note')]: 'n',
      [ModalIds.commentBlock]: 'ok',
    });
    expect(ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: {
        [fieldBlockId('po_number')]: expect.any(String),
        [fieldBlockId('cost_center')]: expect.any(String),
      },
    });
    expect((await w.store.getPause(w.id))?.status).toBe('pending');
    expect(w.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
    // Before this ack only the audience check runs (field names are told to the audience alone).
    expect(w.beforeAck()).toEqual(['conversations.members']);
  });

  it('when the audience check outlasts the ack budget, acks plainly and tells the member what is missing', async () => {
    const w = await world();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const release = w.slack.hold('conversations.members');
      const { args, ack } = buildViewSubmissionArgs(w.slack, {
        view: decisionModal((await w.service.get(w.id)) ?? never(), 'approved', OPS),
        userId: MEMBER,
        values: {},
      });
      const handled = w.listener(args);
      await vi.advanceTimersByTimeAsync(1500);
      expect(ack).toHaveBeenCalledTimes(1);
      expect(ack).toHaveBeenCalledWith();
      release();
      await handled;
      expect(w.slack.privateTexts(MEMBER).join('\n')).toContain('needs answers');
      expect((await w.store.getPause(w.id))?.status).toBe('pending');
    } finally {
      vi.useRealTimers();
    }
  });

  it('an approval with the answers closes the modal and decides, answers trimmed and signed', async () => {
    const w = await world();
    const ack = await w.submit('approved', MEMBER, {
      [fieldBlockId('po_number')]: ' PO-7 ',
      [fieldBlockId('cost_center')]: 'CC-1',
      [ModalIds.commentBlock]: '  fine by me  ',
    });
    expect(ack).toHaveBeenCalledWith();
    expect(w.beforeAck()).toEqual([]);
    const response = (await w.store.getPause(w.id))?.response;
    expect(response).toMatchObject({
      decision: 'approved',
      comment: 'fine by me',
      fields: { po_number: 'PO-7', cost_center: 'CC-1' },
      responder: 'member@example.com',
      channel: 'slack',
    });
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: w.id, action: ACTION })).toEqual({ ok: true });
  });

  it('a rejection needs no answers', async () => {
    const w = await world();
    const ack = await w.submit('rejected', MEMBER, { [ModalIds.commentBlock]: 'not now' });
    expect(ack).toHaveBeenCalledWith();
    expect(w.beforeAck()).toEqual([]);
    expect((await w.store.getPause(w.id))?.response).toMatchObject({ decision: 'rejected', comment: 'not now' });
  });

  it('a non-member submitting (forged, no click) is not told which fields are missing, is refused, decides nothing', async () => {
    const w = await world();
    const ack = await w.submit('approved', OUTSIDER, {});
    expect(ack).toHaveBeenCalledWith();
    expect(w.slack.privateTexts(OUTSIDER)).toEqual([refusalText({ allowed: false, why: 'not_member' })]);
    expect((await w.store.getPause(w.id))?.status).toBe('pending');
  });

  it('a submission for a request decided meanwhile is told the outcome', async () => {
    const w = await world();
    await w.service.decide(w.id, {
      decision: 'rejected',
      responder: 'bob@example.com',
      channel: 'email',
      identities: [],
    });
    const ack = await w.submit('approved', MEMBER, {
      [fieldBlockId('po_number')]: 'PO-7',
      [fieldBlockId('cost_center')]: 'CC-1',
    });
    expect(ack).toHaveBeenCalledWith();
    const pause = await w.store.getPause(w.id);
    expect(pause?.response?.responder).toBe('bob@example.com');
    expect(w.slack.privateTexts(MEMBER)).toEqual([alreadyFinalText(pause as NonNullable<typeof pause>)]);
  });

  it('unreadable private_metadata is acked and ignored', async () => {
    const w = await world();
    for (const private_metadata of ['', 'not json', '{"pause_id":1}', '{"pause_id":"x","decision":"maybe"}']) {
      const { args, ack } = buildViewSubmissionArgs(w.slack, {
        view: { callback_id: CallbackId.decision, private_metadata },
        userId: MEMBER,
        values: {},
      });
      await w.listener(args);
      expect(ack).toHaveBeenCalledTimes(1);
      expect(ack).toHaveBeenCalledWith();
    }
    expect(w.slack.calls).toEqual([]);
    expect((await w.store.getPause(w.id))?.status).toBe('pending');
  });
});

function never(): never {
  throw new Error('pause expected');
}
