import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { runCli } from '../helpers/cli.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';

/**
 * `looppause delegate` / `away` / `back` as an operator runs them, against a real Redis shared with a
 * running service: what the CLI sets, the service's votes honour at once; refusals name the flag.
 */
const POLICY = `
delegation: any
rules:
  - name: refunds
    when: { action: "Refund *" }
    route: { email: ops@acme.com }
    approvers: [sarah@acme.com]
    delegation: any
`;

describe('looppause delegate on a real Redis', () => {
  let redis: TestRedis;
  let running: RunningService;
  let env: Record<string, string>;
  let dir: string;
  const until = new Date(Date.now() + 86_400_000).toISOString();

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'cli-delegate-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    redis = await startRedis();
    env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    };
    running = await startTestService(env);
  });
  afterAll(async () => {
    await running?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a delegation the service honours, lists it, and ends it', async () => {
    const set = await runCli(['delegate', '--from', 'sarah@acme.com', '--to', 'bob@acme.com', '--until', until], env);
    expect(set.stderr).toContain('sarah@acme.com is away until');
    expect(set.code).toBe(0);
    const listed = await runCli(['delegate', 'list'], env);
    expect(listed.stdout).toContain('sarah@acme.com\tbob@acme.com\tuntil');
    expect(listed.stdout).toContain('set by cli');

    const { pause_id } = await running.service.request('agent-a', {
      action_description: 'Refund 7',
      action_details: {},
    });
    const vote = await running.service.decide(pause_id, {
      decision: 'approved',
      responder: 'bob@acme.com',
      channel: 'email',
      identities: ['bob@acme.com'],
    });
    expect(vote.outcome).toBe('decided');
    expect((await running.service.get(pause_id))?.response?.approvals?.[0]).toMatchObject({
      responder: 'bob@acme.com',
      on_behalf_of: 'sarah@acme.com',
    });

    const back = await runCli(['back', '--for', 'sarah@acme.com'], env);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain('is back');
    expect((await runCli(['delegate', 'list'], env)).stdout).toBe('');
    expect((await runCli(['delegate', 'end', '--from', 'sarah@acme.com'], env)).stderr).toContain('was not away');
  });

  it('away sets one too; refusals name the flag and exit 2', async () => {
    const ok = await runCli(['away', '--for', 'sarah@acme.com', '--to', 'eve@acme.com', '--until', until], env);
    expect(ok.code).toBe(0);
    const loop = await runCli(['delegate', '--from', 'eve@acme.com', '--to', 'sarah@acme.com', '--until', until], env);
    expect(loop).toMatchObject({ code: 2, stderr: expect.stringContaining('--to: sarah@acme.com is away themselves') });
    const self = await runCli(['delegate', '--from', 'ann@acme.com', '--to', 'ann@acme.com', '--until', until], env);
    expect(self).toMatchObject({ code: 2, stderr: expect.stringContaining('--to: cannot be the person who is away') });
    const past = await runCli(
      ['away', '--for', 'ann@acme.com', '--to', 'bob@acme.com', '--until', '2020-01-01T00:00:00Z'],
      env,
    );
    expect(past).toMatchObject({ code: 2, stderr: expect.stringContaining('--until: is in the past') });
    const missing = await runCli(['delegate', '--to', 'bob@acme.com'], env);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('--from is required') });
    const noRedis = await runCli(['delegate', 'list'], {});
    expect(noRedis).toMatchObject({ code: 1, stderr: expect.stringContaining('REDIS_URL') });
    await runCli(['back', '--for', 'sarah@acme.com'], env);
  });
});
