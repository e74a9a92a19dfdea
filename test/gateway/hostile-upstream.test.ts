import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Progress, ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRequestEmail } from '../../src/email/template.js';
import type { RunningService } from '../../src/main.js';
import { toolCallBlocks } from '../../src/slack/blocks/tool-call.js';
import { eventually } from '../helpers/eventually.js';
import { HOSTILE_TOOLS, type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { agent, approve, auditEvents, gatewayPost, pendingPause, resultText } from './agent.js';

const TOKEN = 'hostile-token-0123456789';
const POLICY = `
gateway_default_route: { email: ops@example.com }
rules:
  - name: never-prod
    when: { tool: "mcp__records__delete_record", if: 'input.id.startsWith("prod-")' }
    decide: rejected
`;
/** Agent text that would be markup, a mention, a link or a fence break if any surface let it through. */
const ATTACK = '<script>alert(1)</script> <!channel> <https://evil.example|click here> ``` *bold* &amp;';

describe('a hostile upstream behind the gateway', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-hostile-'));
  let records: HttpUpstream;
  let svc: RunningService;

  beforeAll(async () => {
    records = await startHttpUpstream({ token: TOKEN, hostile: true });
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:\n  records: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${TOKEN}" } }\n`,
    );
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
      LOOPPAUSE_GATEWAY_WAIT_SECONDS: '30',
      TOKEN,
    });
  });
  afterAll(async () => {
    await svc?.close();
    await records?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('tools/list leaves out names that break MCP’s rule, 300-char names and missing or non-object schemas; the good tools still come through', async () => {
    const client = await agent(svc, 'records');
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names.sort()).toEqual(['bad_output', 'delete_record', 'huge_description', 'lookup']);
      for (const hostile of HOSTILE_TOOLS) {
        const name = (hostile as { name?: unknown } | null)?.name;
        if (typeof name === 'string') expect(names).not.toContain(name);
      }
      // A 50 KB description is cut.
      const huge = tools.find((t) => t.name === 'huge_description');
      expect(huge?.description?.length).toBeLessThanOrEqual(4000);
      expect(huge?.description?.startsWith('<script>alert(1)</script>')).toBe(true);
      // An output schema no client could read is dropped; the tool is kept.
      expect(tools.find((t) => t.name === 'bad_output')?.outputSchema).toBeUndefined();
      // A left-out tool cannot be called either, and makes no pause.
      const refused = await client.callTool({ name: 'a'.repeat(300), arguments: {} });
      expect(refused.isError).toBe(true);
      expect(resultText(refused)).toMatch(/no tool "a{128}" on this server/);
      const pending = await fetch(`${svc.url}/v1/pauses?status=pending`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      expect(((await pending.json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a call with hostile arguments: the pause it makes is escaped in the e-mail and in Slack, and progress reaches the client while it waits', async () => {
    const client = await agent(svc, 'records');
    const args = { note: ATTACK };
    const progress: Progress[] = [];
    try {
      const call = client.callTool({ name: 'huge_description', arguments: args }, undefined, {
        onprogress: (p) => progress.push(p),
        timeout: 60_000,
      });
      const pauseId = await pendingPause(svc, 'mcp__records__huge_description', args);
      // The gateway tells a client that sent a progressToken at once that a human is asked.
      const first = await eventually(() => progress[0]);
      expect(first.message).toContain(`waiting for a human (pause ${pauseId})`);
      expect(records.deleted).toEqual([]);

      const pause = await svc.service.get(pauseId);
      expect(pause?.tool_call?.tool).toBe('mcp__records__huge_description');
      expect(pause?.request.action_description).toBe('records: huge_description (MCP)');
      if (!pause) throw new Error('no pause');

      const mail = renderRequestEmail({ pause, decideUrl: 'https://looppause.example/decide/t', nowMs: Date.now() });
      expect(mail.html).not.toContain('<script>alert(1)');
      expect(mail.html).not.toContain('<https://evil.example');
      expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // Quoted as text in the plain part, markup and all.
      expect(mail.text).toContain('<script>alert(1)</script>');

      const blocks = JSON.stringify(toolCallBlocks(pause, 'https://looppause.example/dashboard/pauses/x'));
      expect(blocks).not.toContain('<!channel>');
      expect(blocks).not.toContain('<https://evil.example');
      expect(blocks).not.toContain('<script>');
      expect(blocks).toContain('&lt;!channel&gt;');
      // The agent's backticks cannot close the code block: only the two fences remain as ```.
      const code = toolCallBlocks(pause)
        .map((b) => (b as { text?: { text?: string } }).text?.text ?? '')
        .find((t) => t.includes('alert(1)'));
      expect(code?.match(/```/g)).toHaveLength(2);

      await approve(svc, pauseId);
      const result = await call;
      expect(result.isError, resultText(result)).not.toBe(true);
      expect(records.deleted).toEqual([{ huge_description: args }]);
      const forwarded = (await auditEvents(svc, pauseId)).filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('tools/call answers as JSON, or as an event stream when the client asked for progress', async () => {
    const call = (meta: Record<string, unknown>) =>
      gatewayPost(svc, 'records', {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'lookup', arguments: { id: '1' }, ...meta },
      });
    const plain = await call({});
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await plain.text()).toContain('record 1');
    const streamed = await call({ _meta: { progressToken: 'p-1' } });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await streamed.text()).toContain('record 1');
  });

  it('a client without a progressToken gets no progress and the same answer', async () => {
    const client = await agent(svc, 'records');
    let notified = 0;
    client.setNotificationHandler(ProgressNotificationSchema, () => {
      notified++;
    });
    try {
      const call = client.callTool({ name: 'delete_record', arguments: { id: 'test-9' } });
      const pauseId = await pendingPause(svc, 'mcp__records__delete_record', { id: 'test-9' });
      await approve(svc, pauseId);
      expect(resultText(await call)).toBe('deleted test-9');
      expect(notified).toBe(0);
    } finally {
      await client.close();
    }
  });
});
