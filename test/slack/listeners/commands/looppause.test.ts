import { describe, expect, it } from 'vitest';
import { helpMessage } from '../../../../src/slack/blocks/index.js';
import { ActionId, SLASH_COMMAND } from '../../../../src/slack/ids.js';
import { registerLooppauseCommand } from '../../../../src/slack/listeners/commands/looppause.js';
import { pendingSlackPauses } from '../../../../src/slack/listeners/pending.js';
import { buildCommandArgs, buttonValues, captureListeners, slackDepsOverMemory } from '../../../helpers/slack-unit.js';
import { requestArgs, T0 } from '../../../helpers/use-cases.js';

const OPS = 'C0OPS0001';
const SECRET_CHANNEL = 'C0SECRET1';
const ADA = 'U0ADA0001';
const BOB = 'U0BOB0001';

function world() {
  const w = slackDepsOverMemory({ members: { [OPS]: [ADA, BOB], [SECRET_CHANNEL]: [BOB] } });
  const listener = captureListeners(registerLooppauseCommand, w.deps).command(SLASH_COMMAND);
  const run = async (text: string, userId: string) => {
    const { args, ack, respond } = buildCommandArgs(w.slack, { text, userId });
    await listener(args);
    expect(ack).toHaveBeenCalledTimes(1);
    expect(respond).toHaveBeenCalledTimes(1);
    expect(w.slack.events[0]).toBe('ack');
    return respond.mock.calls[0]?.[0] as { response_type: string; text: string; blocks: unknown[] };
  };
  const ask = async (extra: Parameters<typeof requestArgs>[0]) =>
    (await w.request('agent-a', requestArgs(extra))).pause_id;
  return { ...w, run, ask };
}

describe('/looppause', () => {
  it('lists, only to the caller, the pending Slack requests they may decide, newest first', async () => {
    const w = world();
    const inOps = await w.ask({ recipient_slack: OPS });
    w.clock.advance(1000);
    const secret = await w.ask({ recipient_slack: SECRET_CHANNEL });
    w.clock.advance(1000);
    const dmToAda = await w.ask({ recipient_slack: ADA });
    const dmToBob = await w.ask({ recipient_slack: BOB });
    w.clock.advance(1000);
    const adaApproves = await w.ask({ recipient_slack: OPS, approvers: [ADA] });
    await w.ask({ recipient_email: 'ops@example.com' });
    const decided = await w.ask({ recipient_slack: OPS });
    await w.service.decide(decided, { decision: 'approved', responder: ADA, channel: 'slack', identities: [ADA] });

    const answer = await w.run('', ADA);
    expect(answer.response_type).toBe('ephemeral');
    expect(buttonValues(answer.blocks, ActionId.approve)).toEqual([adaApproves, dmToAda, inOps]);

    const forBob = await w.run('pending', BOB);
    expect(buttonValues(forBob.blocks, ActionId.approve)).toEqual([dmToBob, secret, inOps]);
  });

  it('requests the caller may not see do not push theirs off the list, and Show more goes on after the last shown', async () => {
    const w = world();
    const adas: string[] = [];
    for (let i = 0; i < 12; i++) {
      adas.push(await w.ask({ recipient_slack: OPS }));
      w.clock.advance(1000);
    }
    // Newer than all of Ada's: 60 requests to a channel she is not in.
    for (let i = 0; i < 60; i++) {
      await w.ask({ recipient_slack: SECRET_CHANNEL });
      w.clock.advance(1000);
    }
    const first = await w.run('', ADA);
    const newestFirst = [...adas].reverse();
    expect(buttonValues(first.blocks, ActionId.approve)).toEqual(newestFirst.slice(0, 10));
    const more = buttonValues(first.blocks, ActionId.listMore);
    expect(more).toHaveLength(1);
    const page = await pendingSlackPauses(w.deps, ADA, more[0]);
    expect(page.items.map((p) => p.pause_id)).toEqual(newestFirst.slice(10));
    expect(page.next_cursor).toBeNull();
  });

  it('leaves out requests past their deadline', async () => {
    const w = world();
    const short = await w.ask({ recipient_slack: OPS, timeout_hours: 1 });
    const long = await w.ask({ recipient_slack: OPS, timeout_hours: 2 });
    expect(buttonValues((await w.run('list', ADA)).blocks, ActionId.approve).sort()).toEqual([long, short].sort());
    w.clock.set(T0 + 3_600_000);
    expect(buttonValues((await w.run('list', ADA)).blocks, ActionId.approve)).toEqual([long]);
  });

  it('`help` answers the help; an unknown subcommand says so and answers the help', async () => {
    const w = world();
    const help = await w.run('  HELP ', ADA);
    expect(help).toMatchObject({ response_type: 'ephemeral', ...helpMessage() });
    const unknown = await w.run('approve everything', ADA);
    expect(unknown.response_type).toBe('ephemeral');
    expect(unknown.text).toBe(`Unknown subcommand. ${helpMessage().text}`);
    expect(w.slack.calls).toEqual([]);
  });
});
