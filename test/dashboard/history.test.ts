import { describe, expect, it } from 'vitest';
import { csvCell, historyCsvRow, parseHistoryQuery } from '../../src/dashboard/history.js';
import { pauseAt } from '../helpers/pauses.js';

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
