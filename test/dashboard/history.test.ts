import { describe, expect, it } from 'vitest';
import { csvCell, historyCsvRow, historyJsonLine, parseHistoryQuery } from '../../src/dashboard/history.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';

describe('History: filters and exports', () => {
  it('CSV cells a spreadsheet would run as a formula are defused; quotes are doubled', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}HYPERLINK("x")`)).toBe(`"'${start}HYPERLINK(""x"")"`);
    expect(csvCell('plain, text')).toBe('"plain, text"');
    const row = historyCsvRow(
      pauseAt(Date.now(), {
        request: {
          action_description: '=cmd|"/c calc"!A1',
          action_details: { a: '@SUM(1)' },
          timeout_hours: 1,
          response_fields: [],
        },
      }),
    );
    expect(row).toContain(`"'=cmd|""/c calc""!A1"`);
    expect(row.split('","').every((cell) => !/^"?[=+\-@]/.test(cell))).toBe(true);
  });

  it('filters parse to a store query; anything odd is refused naming the parameter', () => {
    const ok = parseHistoryQuery({
      status: 'responded',
      agent: 'bot',
      from: '2026-11-01',
      to: '2026-11-02',
      q: 'refund',
    });
    expect(ok).toMatchObject({
      ok: true,
      params: {
        query: { status: 'responded', agentId: 'bot', fromMs: Date.parse('2026-11-01T00:00:00Z'), text: 'refund' },
      },
    });
    const bad = (q: Record<string, unknown>) => {
      const r = parseHistoryQuery(q);
      return r.ok ? '' : r.error;
    };
    expect(bad({ status: 'done' })).toMatch(/^status:/);
    expect(bad({ status: ['pending', 'responded'] })).toMatch(/^status:/);
    expect(bad({ from: '2026-13-45' })).toMatch(/^from:/);
    expect(bad({ q: '\ud800x' })).toMatch(/^q:/);
    expect(bad({ cursor: 'a b' })).toMatch(/^cursor:/);
  });
});

describe('historyJsonLine', () => {
  it('never exports the policy timeout decision signed in advance, the plan, or voters’ identity keys', () => {
    const pause = pauseAt(Date.now(), {
      plan: { quorum: 2, excluded_owner: 'U0ADA0001', remind_after_ms: [], escalate: [], on_timeout: 'approved' },
      votes: [
        {
          decision: 'approved',
          responder: 'bob@acme.com',
          channel: 'email',
          responded_at: new Date().toISOString(),
          comment: '',
          fields: {},
          voters: ['bob@acme.com', 'U0BOB0001'],
        },
      ],
    });
    // The policy's decision at the deadline: unsigned as stored now, and pre-signed as the previous version stored it.
    pause.timeout_decision = { decision: 'approved', rule: 'payments' };
    pause.timeout_response = responseFor(pause, 'approved', 'policy:payments');
    const line = JSON.parse(historyJsonLine(pause));
    expect(line).toMatchObject({
      pause_id: pause.pause_id,
      status: 'pending',
      approvals_received: 1,
      approvals_required: 2,
    });
    expect(line.votes).toEqual([expect.objectContaining({ responder: 'bob@acme.com' })]);
    const text = JSON.stringify(line);
    for (const secret of [
      'timeout_response',
      'timeout_decision',
      'sha256=',
      'signature',
      'excluded_owner',
      'U0ADA0001',
      'voters',
      'U0BOB0001',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
