import { describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import {
  alreadyFinalText,
  decisionModal,
  escapeAndCut,
  escapeText,
  helpMessage,
  homeView,
  LIMITS,
  outcomeMessage,
  pendingListMessage,
  requestMessage,
} from '../../src/slack/blocks/index.js';
import { ActionId, CallbackId } from '../../src/slack/ids.js';
import { actionIds } from '../helpers/slack.js';

const PAUSE_ID = 'pse_abcdefghijklmnopqrstuvwxyz';

function pause(overrides: Partial<Pause['request']> = {}, rest: Partial<Pause> = {}): Pause {
  return {
    pause_id: PAUSE_ID,
    agent_id: 'agent-a',
    status: 'pending',
    created_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-02T00:00:00.000Z',
    request: {
      action_description: 'Delete the staging bucket',
      action_details: { bucket: 'staging-assets' },
      recipient_slack: '#ops',
      timeout_hours: 24,
      ...overrides,
    },
    action_digest: 'x',
    delivery: {},
    ...rest,
  };
}

/** Every text object in a block tree, with its type. */
function texts(value: unknown): Array<{ type: string; text: string }> {
  const found: Array<{ type: string; text: string }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string') {
        found.push({ type: o.type, text: o.text });
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return found;
}

/** Slack's limits, checked on any message or view. */
function expectWithinLimits(blocks: unknown[], maxBlocks: number = LIMITS.blocks): void {
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  for (const block of blocks as Array<Record<string, unknown>>) {
    if (block.type === 'header') expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section') {
      const fields = (block.fields as unknown[] | undefined) ?? [];
      expect(fields.length).toBeLessThanOrEqual(LIMITS.fieldsPerSection);
      for (const f of texts(fields)) expect(f.text.length).toBeLessThanOrEqual(2000);
      const text = block.text as { text: string } | undefined;
      if (text) expect(text.text.length).toBeLessThanOrEqual(3000);
    }
    if (block.type === 'actions') {
      for (const el of block.elements as Array<Record<string, unknown>>) {
        if (el.type === 'button') {
          expect((el.text as { text: string }).text.length).toBeLessThanOrEqual(75);
          expect(el.value).not.toMatch(/[{}\s]/);
        }
      }
    }
  }
  for (const t of texts(blocks)) expect(t.text.length).toBeLessThanOrEqual(3000);
}

/** A mention, channel link or URL link; our own `<!date^…>` tokens are allowed. */
const FORGED = /<(?!!date\^)[!@#]|<https?:/;

const INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<@U0ADMIN>',
  '<#C0SECRET>',
  '<https://evil.example|ok>',
  '*bold*',
  'a & b',
];

describe('escaping', () => {
  it('turns &, <, > into entities, in that order', () => {
    expect(escapeText('<!channel> & <https://evil|ok>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|ok&gt;');
    expect(escapeText('&lt;')).toBe('&amp;lt;');
  });

  it('cuts with a marker, never inside an entity or a surrogate pair', () => {
    expect(escapeAndCut('x'.repeat(10), 10)).toBe('x'.repeat(10));
    expect(escapeAndCut('x'.repeat(11), 10)).toBe(`${'x'.repeat(9)}…`);
    const cut = escapeAndCut(`${'x'.repeat(7)}<<<<`, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut).toMatch(/^x+(&lt;)*…$/);
    const emoji = escapeAndCut(`${'x'.repeat(8)}😀😀`, 10);
    expect(emoji).toBe(`${'x'.repeat(8)}…`);
  });
});

describe('request message', () => {
  it('has a header, the action, details as fields, who asks, expiry, Approve (primary) and Reject (danger)', () => {
    const { text, blocks } = requestMessage(pause());
    expect(text).toContain('Delete the staging bucket');
    expect(blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(blocks)).toContain('bucket:\\nstaging-assets');
    expect(JSON.stringify(blocks)).toContain('agent-a');
    expect(JSON.stringify(blocks)).toContain('<!date^1893542400^');
    const actions = blocks.find((b) => b.type === 'actions') as unknown as { elements: Array<Record<string, unknown>> };
    expect(actions.elements.map((e) => [e.action_id, e.style, e.value])).toEqual([
      [ActionId.approve, 'primary', PAUSE_ID],
      [ActionId.reject, 'danger', PAUSE_ID],
      [ActionId.approveWithComment, undefined, PAUSE_ID],
    ]);
    expectWithinLimits(blocks);
  });

  it.each(INJECTIONS)('shows %s as text: plain_text only, escaped, never a mention or link', (evil) => {
    const { text, blocks } = requestMessage(
      pause({ action_description: `Run ${evil} now`, action_details: { [evil]: evil } }),
      // agent_id comes from the API key's name, but is escaped anyway
    );
    const escaped = escapeText(evil);
    const all = texts(blocks);
    for (const t of all) {
      expect(t.text).not.toMatch(FORGED);
      if (t.type === 'mrkdwn') expect(t.text).not.toContain(evil.replace(/[<>&]/g, ''));
    }
    expect(all.filter((t) => t.type === 'plain_text').some((t) => t.text.includes(`Run ${escaped} now`))).toBe(true);
    expect(text).not.toMatch(FORGED);
  });

  it('keeps *bold* literal: agent text is never mrkdwn', () => {
    const { blocks } = requestMessage(pause({ action_description: '*bold* _it_ ~s~ `code`' }));
    const owner = texts(blocks).filter((t) => t.text.includes('*bold*'));
    expect(owner.length).toBeGreaterThan(0);
    for (const t of owner) expect(t.type).toBe('plain_text');
  });

  it('cuts a 10,000-character description to 3000 with a marker, and the header to 150', () => {
    const { blocks } = requestMessage(pause({ action_description: `${'<'.repeat(10)}${'d'.repeat(9990)}` }));
    const section = blocks[1] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text.endsWith('…')).toBe(true);
    expect(section.text.text.startsWith('&lt;'.repeat(10))).toBe(true);
    expect((blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
    expectWithinLimits(blocks);
  });

  it('60 details: 10 fields a section, at most 50 blocks, the rest announced', () => {
    const details = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`key${i}`, 'v'.repeat(5000)]));
    const { blocks } = requestMessage(pause({ action_details: details }));
    const sections = blocks.filter((b) => b.type === 'section' && 'fields' in b) as Array<{ fields: unknown[] }>;
    expect(sections).toHaveLength(6);
    expect(sections.every((s) => s.fields.length === 10)).toBe(true);
    expectWithinLimits(blocks);
  });

  it('more details than 50 blocks can hold: cut, with a "more not shown" note, buttons kept', () => {
    const details = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, 'v']));
    const { blocks } = requestMessage(pause({ action_details: details }));
    expect(blocks).toHaveLength(50);
    expect(JSON.stringify(blocks)).toMatch(/more details not shown/);
    expect(blocks.at(-1)?.type).toBe('actions');
    expectWithinLimits(blocks);
  });

  it('with response_fields, Approve says it opens a form and there is no separate with-comment button', () => {
    const { blocks } = requestMessage(
      pause({ response_fields: [{ name: 'po', label: 'PO <!here>', required: true }] }),
    );
    expect(actionIds(blocks)).toEqual([ActionId.approve, ActionId.reject]);
    expect(JSON.stringify(blocks)).toContain('PO &lt;!here&gt; (required)');
  });
});

describe('policy rule', () => {
  it('names the operator policy rule that routed the request, escaped', () => {
    const { blocks } = requestMessage(pause({}, { policy_rule: 'payments <!here>' }));
    expect(JSON.stringify(blocks)).toContain('policy rule *payments &lt;!here&gt;*');
    expect(JSON.stringify(requestMessage(pause()).blocks)).not.toContain('policy rule');
  });
});

describe('outcome message', () => {
  const response = {
    decision: 'approved' as const,
    comment: '<!channel> *ok*',
    fields: { po: 'PO-1' },
    responder: 'ada@example.com',
    responded_at: '2030-01-01T01:00:00.000Z',
    channel: 'email' as const,
    nonce: 'n',
    pause_id: PAUSE_ID,
    action_digest: 'x',
    signature: 's',
  };

  it('decided: outcome, who, via, when, comment (escaped), answers, no buttons', () => {
    const { blocks, text } = outcomeMessage(
      pause({ response_fields: [{ name: 'po', label: 'PO number' }] }, { status: 'responded', response }),
    );
    const json = JSON.stringify(blocks);
    expect(text).toMatch(/^Approved/);
    expect(json).toContain('*Approved* by ada@example.com via e-mail');
    expect(json).toContain('<!date^1893459600^');
    expect(json).toContain('Comment: &lt;!channel&gt; *ok*');
    expect(json).toContain('PO number:\\nPO-1');
    expect(actionIds(blocks)).toEqual([]);
    expectWithinLimits(blocks);
  });

  it('a Slack responder is shown as a mention; rejected says so', () => {
    const { blocks } = outcomeMessage(
      pause(
        {},
        {
          status: 'responded',
          response: { ...response, decision: 'rejected', responder: 'U0ADAMS1', channel: 'slack' },
        },
      ),
    );
    expect(JSON.stringify(blocks)).toContain('*Rejected* by <@U0ADAMS1> via Slack');
  });

  it('timed out and cancelled (with the reason, escaped)', () => {
    expect(JSON.stringify(outcomeMessage(pause({}, { status: 'timed_out' })).blocks)).toContain('Timed out');
    const cancelled = outcomeMessage(
      pause({}, { status: 'cancelled', cancel_reason: '<@U0X> said so', ended_at: '2030-01-01T00:30:00.000Z' }),
    );
    expect(JSON.stringify(cancelled.blocks)).toContain('Cancelled');
    expect(JSON.stringify(cancelled.blocks)).toContain('Reason: &lt;@U0X&gt; said so');
    expect(actionIds(cancelled.blocks)).toEqual([]);
  });

  it('a huge request stays within limits once ended', () => {
    const details = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, 'v']));
    const { blocks } = outcomeMessage(
      pause({ action_details: details, action_description: 'x'.repeat(10_000) }, { status: 'responded', response }),
    );
    expectWithinLimits(blocks);
    expect(JSON.stringify(blocks)).toContain('*Approved*');
  });

  it('already-final text names who, via what and when', () => {
    expect(alreadyFinalText(pause({}, { status: 'responded', response }))).toMatch(
      /^This request was already approved by ada@example\.com via e-mail at <!date\^\d+\^/,
    );
    expect(alreadyFinalText(pause({}, { status: 'timed_out' }))).toContain('timed out');
  });
});

describe('modal, list, help, home', () => {
  it('the modal: fields (required enforced), comment always, metadata carries the pause id and decision', () => {
    const p = pause({
      response_fields: [
        { name: 'po', label: 'PO', required: true },
        { name: 'note', label: 'Note' },
      ],
    });
    const approve = decisionModal(p, 'approved', 'C1');
    expect(approve.callback_id).toBe(CallbackId.decision);
    expect(JSON.parse(approve.private_metadata ?? '')).toEqual({
      pause_id: PAUSE_ID,
      decision: 'approved',
      channel: 'C1',
    });
    const inputs = approve.blocks.filter((b) => b.type === 'input') as Array<{ block_id: string; optional: boolean }>;
    expect(inputs.map((i) => [i.block_id, i.optional])).toEqual([
      ['field:po', false],
      ['field:note', true],
      ['comment', true],
    ]);
    expect(approve.title.text.length).toBeLessThanOrEqual(24);
    const reject = decisionModal(p, 'rejected');
    expect(reject.blocks.filter((b) => b.type === 'input')).toHaveLength(1);
  });

  it('the list: buttons per pause, a "Show more" with the cursor, within 50 blocks', () => {
    const pauses = Array.from({ length: 10 }, () => pause({ action_description: '<!here> x'.repeat(400) }));
    const { blocks } = pendingListMessage(pauses, 'cursor-1');
    expectWithinLimits(blocks);
    expect(actionIds(blocks).filter((id) => id === ActionId.approve)).toHaveLength(10);
    expect(JSON.stringify(blocks)).toContain('"value":"cursor-1"');
    expect(JSON.stringify(blocks)).not.toContain('<!here>');
    expect(pendingListMessage([], null).text).toContain('No pending');
  });

  it('home view and help', () => {
    const view = homeView([pause()], null);
    expect(view.type).toBe('home');
    expect(actionIds(view.blocks)).toContain(ActionId.reject);
    expect(JSON.stringify(helpMessage().blocks)).toContain('/looppause help');
  });
});
