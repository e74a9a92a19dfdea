import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

const run = promisify(execFile);
const INSPECTOR = new URL('../../node_modules/.bin/mcp-inspector', import.meta.url).pathname;

/** A second, independent MCP client: the official Inspector in CLI mode, over Streamable HTTP. */
describe('@modelcontextprotocol/inspector --cli against /mcp', () => {
  let running: RunningService;

  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(() => running?.close());

  const inspector = async (...args: string[]) => {
    const { stdout } = await run(
      INSPECTOR,
      [
        '--cli',
        `${running.url}/mcp`,
        '--transport',
        'http',
        '--header',
        `Authorization: Bearer ${TEST_API_KEY}`,
        ...args,
      ],
      { timeout: 60_000 },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('lists the three tools with their input and output schemas', async () => {
    const listed = (await inspector('--method', 'tools/list')) as {
      tools: { name: string; inputSchema: object; outputSchema?: object }[];
    };
    expect(listed.tools.map((t) => t.name).sort()).toEqual(['cancel_approval', 'check_approval', 'request_approval']);
    for (const tool of listed.tools) expect(tool.outputSchema).toBeDefined();
  });

  it('calls request_approval and gets a pending pause back', async () => {
    const result = (await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'request_approval',
      '--tool-arg',
      'action_description=Restart the payments worker',
      '--tool-arg',
      'action_details={"host":"pay-1"}',
      '--tool-arg',
      'recipient_email=ops@example.com',
    )) as { structuredContent: { pause_id: string; status: string }; isError?: boolean };
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent.status).toBe('pending');
    const stored = await running.service.get(result.structuredContent.pause_id);
    expect(stored?.request.action_details).toEqual({ host: 'pay-1' });
  });
});
