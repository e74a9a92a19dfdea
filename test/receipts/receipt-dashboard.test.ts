import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pausePage } from '../../src/dashboard/views/pause.js';
import type { RunningService } from '../../src/main.js';
import { DashboardClient } from '../dashboard/helpers.js';
import { runCli } from '../helpers/cli.js';
import { verifyIndependently } from '../helpers/independent-receipt.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';
import { approvedReceipt } from '../helpers/receipt-flow.js';
import { freePort } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';

/** The approver approvedReceipt names; signed in to the dashboard as them. */
const FIN = 'fin@example.com';

/** What a `<code>` element with this id holds, its entities read back. */
function codeById(page: string, id: string): string {
  const found = new RegExp(`<code id="${id}">([^<]*)</code>`).exec(page)?.[1];
  if (found === undefined) throw new Error(`no <code id="${id}"> on the page`);
  return found
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The cells of one CSV row as the export writes them: every cell quoted, quotes doubled. */
function csvCells(row: string): string[] {
  return [...row.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => (m[1] ?? '').replace(/""/g, '"'));
}

describe('receipts on the dashboard and in its exports', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let fin: DashboardClient;
  let jwks: { keys: Array<Record<string, unknown>> };
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    // PUBLIC_URL is where this service really listens, so the verify line the page shows can be run as it is.
    const port = await freePort();
    running = await startTestService({
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: FIN,
    });
    fin = new DashboardClient(running);
    await fin.signIn(FIN, smtp);
    jwks = (await (await fetch(`${running.url}/.well-known/jwks.json`)).json()) as typeof jwks;
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  it("the pause page shows check_approval's receipt in a code block and a verify line that works", async () => {
    const { pauseId, receipt } = await approvedReceipt(running);
    const res = await fin.get(`/dashboard/pauses/${pauseId}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('An Ed25519 receipt');
    expect(page).toContain('verify it offline');
    const shown = codeById(page, 'receipt');
    expect(shown).toBe(receipt);
    const checked = verifyIndependently(shown, jwks);
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.claims).toMatchObject({ sub: pauseId, decision: 'approved', approvers: [FIN] });

    const jwksUrl = `${running.config.publicUrl}/.well-known/jwks.json`;
    const line = codeById(page, 'receipt-verify');
    expect(line).toBe(`looppause verify --receipt ${receipt} --jwks ${jwksUrl}`);
    // The line as a user would paste it: the CLI fetches the JWKS from the service and accepts the receipt.
    const [command, ...args] = line.split(' ');
    expect(command).toBe('looppause');
    const run = await runCli(args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^valid: approved by ${FIN} for ${pauseId} `));
  });

  it('both history exports carry the receipt of a decided pause, and it verifies; a pending one has none', async () => {
    const { pauseId, receipt } = await approvedReceipt(running);
    const pending = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ action_description: 'Still waiting', action_details: {}, recipient_email: FIN }),
    });
    const pendingId = ((await pending.json()) as { pause_id: string }).pause_id;

    const csv = await fin.get('/dashboard/history.csv');
    expect(csv.status).toBe(200);
    const [header = '', ...rows] = (await csv.text()).split('\r\n').filter((l) => l !== '');
    const columns = header.split(',');
    expect(columns.at(-1)).toBe('receipt');
    const rowOf = (id: string) => {
      const row = rows.map(csvCells).find((cells) => cells[columns.indexOf('pause_id')] === id);
      if (!row) throw new Error(`no CSV row for ${id}`);
      expect(row).toHaveLength(columns.length);
      return row;
    };
    const fromCsv = rowOf(pauseId).at(-1) as string;
    expect(fromCsv).toBe(receipt);
    expect(verifyIndependently(fromCsv, jwks)).toMatchObject({ ok: true, claims: { sub: pauseId } });
    expect(rowOf(pendingId).at(-1)).toBe('');

    const jsonl = await fin.get('/dashboard/history.jsonl');
    expect(jsonl.status).toBe(200);
    const lines = (await jsonl.text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { pause_id: string; response?: { receipt?: string } });
    const fromJsonl = lines.find((l) => l.pause_id === pauseId)?.response?.receipt;
    expect(fromJsonl).toBe(receipt);
    expect(verifyIndependently(fromJsonl as string, jwks)).toMatchObject({ ok: true, claims: { sub: pauseId } });
    expect(lines.find((l) => l.pause_id === pendingId)?.response).toBeUndefined();
  });
});

describe('the pause page receipt block', () => {
  it('escapes what it shows, and says so when a decision has no receipt', () => {
    const pause = pauseAt(Date.now());
    pause.status = 'responded';
    pause.response = { ...responseFor(pause, 'approved', 'ops@example.com'), receipt: '<script>alert(1)</script>' };
    const page = pausePage({ nonce: 'n' }, { pause, timeline: [], nowMs: Date.now(), jwksUrl: 'https://x/"><b>k' });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('"><b>k');
    expect(page).toContain('<code id="receipt">&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    const { receipt: _receipt, ...older } = pause.response;
    pause.response = older;
    const without = pausePage({ nonce: 'n' }, { pause, timeline: [], nowMs: Date.now() });
    expect(without).not.toContain('id="receipt"');
    expect(without).toContain('No receipt');
  });
});
