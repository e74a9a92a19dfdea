import { describe, expect, it } from 'vitest';
import type { ApprovalPlan, Vote } from '../../../src/domain/approvals/index.js';
import type { Pause } from '../../../src/domain/pause.js';
import { outcomeMessage, pendingListMessage, requestMessage } from '../../../src/slack/blocks/index.js';
import { ActionId } from '../../../src/slack/ids.js';
import { actionIds } from '../../helpers/slack.js';

const CREATED = Date.parse('2030-01-01T00:00:00.000Z');

const plan = (over: Partial<ApprovalPlan> = {}): ApprovalPlan => ({
  quorum: 2,
  remind_after_ms: [],
  escalate: [],
  on_timeout: 'timed_out',
  ...over,
});

const vote = (responder: string, decision: Vote['decision'] = 'approved', slackId?: string): Vote => ({
  decision,
  responder,
  channel: 'slack',
  responded_at: '2030-01-01T00:05:00.000Z',
  comment: '',
  fields: {},
  voters: [responder.includes('@') ? responder.toLowerCase() : responder, ...(slackId ? [slackId] : [])],
});

function pause(rest: Partial<Pause> = {}): Pause {
  return {
    pause_id: 'pse_progress0000000000000000',
    agent_id: 'agent-a',
    status: 'pending',
    created_at: new Date(CREATED).toISOString(),
    expires_at: '2030-01-02T00:00:00.000Z',
    request: { action_description: 'Transfer 900 EUR', action_details: {}, recipient_slack: '#pay', timeout_hours: 24 },
    action_digest: 'x',
    delivery: {},
    plan: plan(),
    ...rest,
  };
}

const shown = (blocks: unknown) => JSON.stringify(blocks);

describe('approvals so far (quorum)', () => {
  it('shows "1 of 2 approvals — <@U…> ✓" and keeps the buttons live', () => {
    const { blocks } = requestMessage(pause({ votes: [vote('U0SARAH123')] }));
    expect(shown(blocks)).toContain('*1 of 2 approvals* — <@U0SARAH123> ✓');
    expect(actionIds(blocks)).toContain(ActionId.approve);
    expect(actionIds(blocks)).toContain(ActionId.reject);
  });

  it('shows 0 of N before anyone voted, and nothing at all for a single approval', () => {
    expect(shown(requestMessage(pause()).blocks)).toContain('*0 of 2 approvals*');
    expect(shown(requestMessage(pause({ plan: plan({ quorum: 1 }) })).blocks)).not.toContain('approvals*');
    expect(shown(requestMessage(pause({ plan: undefined })).blocks)).not.toContain('approvals*');
  });

  it('lists every approver in vote order, e-mails as text', () => {
    const { blocks } = requestMessage(
      pause({ plan: plan({ quorum: 3 }), votes: [vote('U0SARAH123'), vote('cfo@acme.com')] }),
    );
    expect(shown(blocks)).toContain('*2 of 3 approvals* — <@U0SARAH123> ✓, cfo@acme.com ✓');
  });

  it('a vote cast in Slack by a user whose e-mail is known shows as their mention (Slack shows the name)', () => {
    const { blocks } = requestMessage(pause({ votes: [vote('sarah@acme.com', 'approved', 'U0SARAH123')] }));
    expect(shown(blocks)).toContain('*1 of 2 approvals* — <@U0SARAH123> ✓');
  });

  it('escapes a hostile responder: no mention, no broadcast, no disguised link', () => {
    const hostile = '<!channel>|<https://evil.example|ok>@x.io';
    const { blocks } = requestMessage(pause({ votes: [vote(hostile)] }));
    const text = shown(blocks);
    expect(text).toContain('&lt;!channel&gt;|&lt;https://evil.example|ok&gt;@x.io ✓');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
  });

  it('cuts a long responder and names at most 20, counting the rest', () => {
    const votes = Array.from({ length: 25 }, (_, i) => vote(`${'a'.repeat(300)}${i}@x.io`));
    const { blocks } = requestMessage(pause({ plan: plan({ quorum: 30 }), votes }));
    const text = shown(blocks);
    expect(text).toContain('*25 of 30 approvals*');
    expect(text).toContain('and 5 more');
    for (const block of blocks) expect(JSON.stringify(block).length).toBeLessThan(3500);
  });

  it('the outcome keeps every approval given, and has no buttons', () => {
    const ended = pause({
      status: 'responded',
      votes: [vote('U0SARAH123'), vote('U0CFO45678')],
      response: {
        decision: 'approved',
        comment: '',
        fields: {},
        responder: 'U0CFO45678',
        responded_at: '2030-01-01T00:10:00.000Z',
        channel: 'slack',
        nonce: 'n',
        pause_id: 'pse_progress0000000000000000',
        action_digest: 'x',
        approvals: [],
        signature: 'sha256=x',
      } as unknown as NonNullable<Pause['response']>,
    });
    const { blocks } = outcomeMessage(ended);
    expect(shown(blocks)).toContain('*2 of 2 approvals* — <@U0SARAH123> ✓, <@U0CFO45678> ✓');
    expect(actionIds(blocks)).toEqual([]);
  });

  it('/looppause shows the progress of each request on its line, within the block budget', () => {
    const pauses = Array.from({ length: 10 }, (_, i) =>
      pause({ pause_id: `pse_progress${String(i).padStart(16, '0')}`, votes: [vote('U0SARAH123')] }),
    );
    const { blocks } = pendingListMessage(pauses, 'next-cursor');
    expect(shown(blocks).match(/1 of 2 approvals/g)).toHaveLength(10);
    expect(blocks.length).toBeLessThanOrEqual(50);
    // "Show more" still fits.
    expect(actionIds(blocks)).toContain(ActionId.listMore);
  });
});

describe('escalation lines', () => {
  const escalating = pause({
    plan: plan({
      escalate: [
        { after_ms: 60_000, route: { slack: '#cfo-<!here>-office' }, approvers: ['U0CFO45678'] },
        { after_ms: 120_000, approvers: ['boss@acme.com'] },
      ],
    }),
  });

  it('none before a step is due', () => {
    expect(shown(requestMessage(escalating, CREATED + 59_999).blocks)).not.toContain('Escalated');
  });

  it('"Escalated to #route" (escaped) once due; without a Slack route, more approvers may decide', () => {
    const first = shown(requestMessage(escalating, CREATED + 60_000).blocks);
    expect(first).toContain('Escalated to #cfo-&lt;!here&gt;-office');
    expect(first).not.toContain('<!here>');
    expect(first).not.toContain('more approvers may decide');
    const both = shown(requestMessage(escalating, CREATED + 120_000).blocks);
    expect(both).toContain('Escalated: more approvers may decide');
    expect(actionIds(requestMessage(escalating, CREATED + 120_000).blocks)).toContain(ActionId.approve);
  });

  it('a channel id route becomes a channel link', () => {
    const byId = pause({ plan: plan({ escalate: [{ after_ms: 0, route: { slack: 'C0CFO1234' }, approvers: [] }] }) });
    expect(shown(requestMessage(byId, CREATED).blocks)).toContain('Escalated to <#C0CFO1234>');
  });
});
