import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/banner.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_SIGNING_SECRET } from '../helpers/service.js';

describe('the development API key', () => {
  let redis: TestRedis;
  let devStateDir: string;
  beforeAll(async () => {
    redis = await startRedis();
    devStateDir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'dev-state-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(devStateDir, { recursive: true, force: true });
  });

  const noKeys = () => ({
    LOOPPAUSE_API_KEYS: undefined,
    LOOPPAUSE_SIGNING_SECRET: undefined,
    LOOPPAUSE_DEV_STATE_DIR: devStateDir,
  });
  const listStatus = (url: string, key: string) =>
    fetch(`${url}/v1/pauses`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

  it('is minted, printed and accepted with the embedded memory store', async () => {
    const running = await startTestService(noKeys());
    try {
      expect(running.devApiKey).toMatch(/^lp_dev_/);
      expect(banner(running)).toContain(running.devApiKey);
      // The claude mcp add line is ready to paste: the real URL and key, no placeholders.
      expect(banner(running)).toContain(
        `claude mcp add --transport http looppause ${running.config.publicUrl}/mcp --header "Authorization: Bearer ${running.devApiKey}"`,
      );
      // How /metrics is exposed, said where the operator looks first.
      expect(banner(running)).toMatch(/Metrics .*\/metrics \(this machine only; set LOOPPAUSE_METRICS_TOKEN/);
      expect(await listStatus(running.url, running.devApiKey ?? '')).toBe(200);
      // The local operator's key is an admin key: explain answers it (404: no policy file), not 403.
      const explain = await fetch(`${running.url}/v1/policy/explain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${running.devApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'dev', action: 'Deploy' }),
      });
      expect(explain.status).toBe(404);
      // Kept across restarts, and in the config surfaces read (the e-mail form key derives from it).
      const saved = JSON.parse(readFileSync(join(devStateDir, 'dev.json'), 'utf8')) as { signingSecret: string };
      expect(running.config.signingSecret).toBe(saved.signingSecret);
    } finally {
      await running.close();
    }
  });

  it('is neither minted nor accepted with Redis; the banner says how to create keys', async () => {
    const saved = JSON.parse(readFileSync(join(devStateDir, 'dev.json'), 'utf8')) as { apiKey: string };
    const onRedis = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    // Nor is a development signing secret: replicas on one Redis must share theirs.
    await expect(startTestService({ ...noKeys(), ...onRedis })).rejects.toThrow(/LOOPPAUSE_SIGNING_SECRET is required/);
    const running = await startTestService({ ...noKeys(), ...onRedis, LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET });
    try {
      expect(running.devApiKey).toBeUndefined();
      const text = banner(running);
      expect(text).not.toContain('lp_dev_');
      expect(text).toContain('looppause keys create --name');
      expect(await listStatus(running.url, saved.apiKey)).toBe(401);
    } finally {
      await running.close();
    }
  });
});
