import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

/** A rule that approves at its own deadline (3.6 s), on a whole service. */
const POLICY = `
rules:
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: ops@acme.com }
    timeout_hours: 0.001
    on_timeout: approved
`;

const ACTION = { action_description: 'Deploy the API', action_details: { env: 'prod' } };

describe('a decision the policy makes at the deadline, on a whole service', () => {
  let dir: string;
  let running: RunningService;
  const logs: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'deadline-decision-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    running = await startTestService(
      { LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') },
      { logger: pino({ level: 'debug' }, stream) },
    );
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    return { status: res.status, text: await res.text() };
  };

  it('is signed only at the deadline: nothing read before holds a signature; after, check_approval returns it, dated the deadline', async () => {
    const created = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(ACTION),
    });
    expect(created.status).toBe(201);
    const { pause_id: id, expires_at: expiresAt } = (await created.json()) as { pause_id: string; expires_at: string };
    for (const path of [`/v1/pauses/${id}`, '/v1/pauses']) {
      const read = await get(path);
      expect(read.status).toBe(200);
      expect(read.text).toContain(id);
      expect(read.text).not.toContain('sha256=');
      expect(read.text).not.toContain('receipt');
    }
    expect(logs.join('')).not.toContain('sha256=');
    expect(Date.now()).toBeLessThan(Date.parse(expiresAt));

    const waited = await get(`/v1/pauses/${id}?wait=10`);
    const view = JSON.parse(waited.text) as { status: string; response?: Record<string, unknown> };
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(view).toMatchObject({
      status: 'responded',
      response: { decision: 'approved', channel: 'policy', responder: 'policy:deploys', responded_at: expiresAt },
    });
    expect(typeof view.response?.receipt).toBe('string');
    expect(verifyDecision(TEST_SIGNING_SECRET, view.response, { pause_id: id, action: ACTION })).toEqual({ ok: true });
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('looppause_pauses_ended_total{outcome="approved",channel="policy"} 1');
  });
});
