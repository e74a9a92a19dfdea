import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionDigest, signDecision } from '../../src/domain/signing.js';
import { EXAMPLE_POLICY } from '../domain/policy/fixtures.js';
import { runCli } from '../helpers/cli.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const ACTION = { action_description: 'Wire $12,000 to ACME', action_details: { po: 'PO-7' } };
const DEV_SECRET = 'dev-secret-from-dev-json-0123456789abcdef';

/** A check_approval result signed with `secret`, as the service returns it. */
function decided(secret: string): string {
  const response = signDecision(secret, {
    decision: 'approved',
    comment: '',
    fields: {},
    responder: 'cfo@example.com',
    responded_at: '2030-01-01T09:00:00.000Z',
    channel: 'email',
    nonce: 'n'.repeat(32),
    pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    action_digest: actionDigest(ACTION),
  });
  return JSON.stringify({ pause_id: response.pause_id, status: 'responded', response });
}

/** The CLI reads the settings the service reads: its version, dev.json, LOOPPAUSE_POLICY_FILE. */
describe('looppause reads what the service reads', () => {
  let dir: string;
  let devDir: string;
  let emptyDir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'cli-settings-'));
    devDir = join(dir, 'dev-state');
    emptyDir = join(dir, 'no-dev-state');
    mkdirSync(devDir);
    // What `npm start` keeps in .looppause/dev.json.
    writeFileSync(join(devDir, 'dev.json'), JSON.stringify({ signingSecret: DEV_SECRET, apiKey: 'lp_dev_x' }));
    writeFileSync(join(dir, 'policy.yaml'), EXAMPLE_POLICY);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const run = await runCli([flag]);
      expect(run).toMatchObject({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
    }
  });

  it('the help text says which commands need REDIS_URL', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const [alone = '', redis = ''] = stdout.split('These need REDIS_URL');
    for (const command of ['keys create', 'keys list', 'keys revoke', 'webhooks add', 'audit verify', 'audit export']) {
      expect(redis).toContain(command);
      expect(alone).not.toContain(command);
    }
    for (const command of ['serve', 'verify', 'policy check', 'policy explain', '--version']) {
      expect(alone).toContain(command);
    }
  });

  it('verify: without LOOPPAUSE_SIGNING_SECRET in development, the secret in dev.json', async () => {
    const run = await runCli(['verify'], { LOOPPAUSE_DEV_STATE_DIR: devDir }, decided(DEV_SECRET));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('valid: approved by cfo@example.com for pse_aaaaaaaaaaaaaaaaaaaaaaaaaa\n');
    expect(run.stderr).toContain(join(devDir, 'dev.json'));
    // The variable wins over the file, as in the service.
    const other = 'another-secret-0123456789-0123456789';
    const overridden = await runCli(
      ['verify'],
      { LOOPPAUSE_DEV_STATE_DIR: devDir, LOOPPAUSE_SIGNING_SECRET: other },
      decided(DEV_SECRET),
    );
    expect(overridden.code).toBe(1);
  });

  it('verify: no dev.json fallback where the service has none (production, Redis), nor without the file', async () => {
    const production = await runCli(
      ['verify'],
      { LOOPPAUSE_DEV_STATE_DIR: devDir, NODE_ENV: 'production' },
      decided(DEV_SECRET),
    );
    // parseConfig already refuses a production config without the secret.
    expect(production.code).not.toBe(0);
    expect(production.stderr).toContain('LOOPPAUSE_SIGNING_SECRET');
    const redis = await runCli(
      ['verify'],
      { LOOPPAUSE_DEV_STATE_DIR: devDir, REDIS_URL: 'redis://127.0.0.1:9' },
      decided(DEV_SECRET),
    );
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('required with REDIS_URL');
    const none = await runCli(['verify'], { LOOPPAUSE_DEV_STATE_DIR: emptyDir }, decided(DEV_SECRET));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('LOOPPAUSE_SIGNING_SECRET is required');
    expect(none.stderr).toContain(join(emptyDir, 'dev.json'));
  });

  it('policy explain: the file in LOOPPAUSE_POLICY_FILE when --file is not given; --file wins', async () => {
    const args = ['policy', 'explain', '--agent', 'support-bot', '--action', 'Refund order 7', '--details'];
    const fromEnv = await runCli([...args, '{"amount": "20"}'], { LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toContain('rule small-refunds: decided approved');
    const missing = await runCli([...args, '{}', '--file', join(dir, 'nowhere.yaml')], {
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nowhere.yaml');
    const neither = await runCli([...args, '{}']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('LOOPPAUSE_POLICY_FILE');
  });
});
