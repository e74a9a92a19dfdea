import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyAuth, hashApiKey } from '../../src/http/auth.js';
import type { RunningService } from '../../src/main.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const REQUEST = {
  action_description: 'Wire $12,000 to ACME',
  action_details: { po: 'PO-7' },
  recipient_email: 'a@x.io',
};

describe('looppause verify', () => {
  let running: RunningService;
  let result: string;

  beforeAll(async () => {
    running = await startTestService();
    const rest = (path: string, init: RequestInit = {}) =>
      fetch(`${running.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      });
    const { pause_id } = (await (
      await rest('/v1/pauses', { method: 'POST', body: JSON.stringify(REQUEST) })
    ).json()) as {
      pause_id: string;
    };
    await running.service.decide(pause_id, {
      decision: 'approved',
      comment: 'ok',
      responder: 'cfo@example.com',
      channel: 'email',
      identities: [],
    });
    result = await (await rest(`/v1/pauses/${pause_id}`)).text();
  });
  afterAll(() => running?.close());

  const verify = (stdin: string, secret = TEST_SIGNING_SECRET) =>
    runCli(['verify'], { LOOPPAUSE_SIGNING_SECRET: secret }, stdin);

  it('exits 0 on a real check_approval result, and on its response alone', async () => {
    const whole = await verify(result);
    expect(whole).toMatchObject({ code: 0 });
    expect(whole.stdout).toMatch(/^valid: approved by cfo@example\.com for pse_\w+\n$/);
    const responseOnly = await verify(JSON.stringify((JSON.parse(result) as { response: unknown }).response));
    expect(responseOnly.code).toBe(0);
  });

  it('exits 1 with a one-line reason when a field was changed or the secret differs', async () => {
    const tampered = result.replace('"approved"', '"rejected"');
    expect(tampered).not.toBe(result);
    const changed = await verify(tampered);
    expect(changed.code).toBe(1);
    expect(changed.stdout.trim().split('\n')).toHaveLength(1);
    expect(changed.stdout).toMatch(/^invalid: /);

    const otherSecret = await verify(result, 'another-secret-0123456789-0123456789');
    expect(otherSecret.code).toBe(1);
  });

  it('exits 1 on input that is not a decision, and 2 without a secret', async () => {
    expect((await verify('not json')).stdout).toBe('invalid: stdin is not JSON\n');
    expect((await verify('{"status":"pending","response":null}')).code).toBe(1);
    // Nor a development secret: verify would read dev.json there, as the service does.
    const noSecret = await runCli(['verify'], { LOOPPAUSE_DEV_STATE_DIR: '/nonexistent/looppause-dev-state' }, result);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('LOOPPAUSE_SIGNING_SECRET');
  });
});

describe('looppause keys on a real Redis', () => {
  let redis: TestRedis;
  let running: RunningService;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    running = await startTestService(env);
  });
  afterAll(async () => {
    await running?.close();
    await redis?.stop();
  });

  const createPause = (key: string) =>
    fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(REQUEST),
    });

  it('create prints the key once; the running service accepts it; revoke shuts it out', async () => {
    const created = await runCli(['keys', 'create', '--name', 'ci-bot'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lp_[A-Za-z0-9_-]{40,}$/);

    const res = await createPause(key);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: 'pending' });

    const listed = await runCli(['keys', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ci-bot\t\d{4}-\S+\t-\t-$/m);
    expect(listed.stdout).not.toContain(key);

    const again = await runCli(['keys', 'create', '--name', 'ci-bot'], env);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');

    expect((await runCli(['keys', 'revoke', '--name', 'ci-bot'], env)).code).toBe(0);
    // Replicas cache a key lookup for 5 s: revocation holds everywhere within that.
    await eventually(async () => ((await createPause(key)).status === 401 ? true : undefined), 8000);
    expect((await runCli(['keys', 'list'], env)).stdout).not.toContain('ci-bot');
    expect((await runCli(['keys', 'revoke', '--name', 'ci-bot'], env)).code).toBe(1);
  });

  it('create --owner --admin stores both; list shows them; the service sees the identity', async () => {
    const owned = await runCli(['keys', 'create', '--name', 'owned-bot', '--owner', 'sarah@acme.com'], env);
    expect(owned.code).toBe(0);
    expect(owned.stderr).toContain('owned by sarah@acme.com');
    const admin = await runCli(['keys', 'create', '--name', 'admin-bot', '--owner=U0SARAH123', '--admin'], env);
    expect(admin.code).toBe(0);
    const bare = await runCli(['keys', 'create', '--admin', '--name', 'ops-bot'], env);
    expect(bare.code).toBe(0);

    const listed = (await runCli(['keys', 'list'], env)).stdout;
    expect(listed).toMatch(/^admin-bot\t\d{4}-\S+\tU0SARAH123\tadmin$/m);
    expect(listed).toMatch(/^ops-bot\t\d{4}-\S+\t-\tadmin$/m);
    expect(listed).toMatch(/^owned-bot\t\d{4}-\S+\tsarah@acme\.com\t-$/m);

    // Stored, hashed, as the running service reads it.
    const stored = await running.store.findApiKey(hashApiKey(admin.stdout.trim()));
    expect(stored).toMatchObject({ name: 'admin-bot', owner: 'U0SARAH123', admin: true });
    const auth = new ApiKeyAuth([], running.store);
    expect(await auth.authenticate(admin.stdout.trim())).toEqual({ id: 'admin-bot', owner: 'U0SARAH123', admin: true });
    expect(await auth.authenticate(owned.stdout.trim())).toEqual({
      id: 'owned-bot',
      owner: 'sarah@acme.com',
      admin: false,
    });
    expect(await auth.authenticate(bare.stdout.trim())).toEqual({ id: 'ops-bot', admin: true });
    expect((await createPause(owned.stdout.trim())).status).toBe(201);

    for (const name of ['owned-bot', 'admin-bot', 'ops-bot']) {
      expect((await runCli(['keys', 'revoke', '--name', name], env)).code).toBe(0);
    }
  });

  it('refuses a bad owner with exit 2 and stores nothing', async () => {
    for (const owner of [
      ['--owner', 'sarah'],
      ['--owner', '#finance'],
      ['--owner='],
      ['--owner'],
      ['--owner', '--admin'],
    ]) {
      const bad = await runCli(['keys', 'create', '--name', 'bad-owner', ...owner], env);
      expect(bad.code, owner.join(' ')).toBe(2);
      expect(bad.stderr).toContain('--owner must be an e-mail address or a Slack user id');
      expect(bad.stdout).toBe('');
    }
    expect((await runCli(['keys', 'list'], env)).stdout).not.toContain('bad-owner');
  });

  it('refuses a bad name, an unknown action, and a missing REDIS_URL with a clear line', async () => {
    const badName = await runCli(['keys', 'create', '--name', 'no spaces'], env);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('--name');
    expect((await runCli(['keys', 'rotate'], env)).code).toBe(2);
    const noRedis = await runCli(['keys', 'list']);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('REDIS_URL');
  });

  it('an unknown command prints the usage and exits 2', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: looppause');
  });
});
