import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { runCli } from '../helpers/cli.js';
import { pauseAt } from '../helpers/pauses.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * `looppause audit verify | export` on a real Redis, with the log tampered with as someone with
 * access to Redis would: an entry edited, removed, or two swapped. The stream cannot be edited in
 * place, so each tamper rewrites it, keeping the ids.
 */
describe('looppause audit on a real Redis', () => {
  let redis: TestRedis;
  let store: RedisStore;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    await store?.close();
    const prefix = randomPrefix();
    env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: prefix };
    store = new RedisStore({ url: redis.url, prefix });
    await store.connect();
    for (let i = 0; i < 3; i++) {
      const pause = pauseAt(Date.now());
      await store.createPause({ pause, jobs: [] });
      await store.cancel(pause.pause_id, `reason ${i}`, Date.now(), 'key:agent-a');
    }
    await store.sealAudit(1000);
  });

  /** Rewrites the stream with `change` applied to its bodies, ids kept. */
  async function rewrite(change: (entries: [string, string][]) => [string, string][]): Promise<void> {
    const key = store.keys.audit;
    const entries = (await store.redis.xrange(key, '-', '+')).map(
      ([id, fields]) => [id, fields[1] ?? ''] as [string, string],
    );
    await store.redis.del(key);
    for (const [id, body] of change(entries)) await store.redis.xadd(key, id, 'e', body);
  }

  it('verify passes on an untouched log and says how much it checked', async () => {
    const result = await runCli(['audit', 'verify'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('audit log intact: 6 entries checked, last 6');
  });

  it('verify exits 1 naming an edited entry', async () => {
    await rewrite((entries) =>
      entries.map(([id, body], i) => [id, i === 2 ? body.replace('key:agent-a', 'key:somebody-else') : body]),
    );
    const result = await runCli(['audit', 'verify'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN at entry 3:/);
  });

  it('verify exits 1 naming a removed entry, and the newest entry edited', async () => {
    await rewrite((entries) => entries.filter((_, i) => i !== 3));
    const removed = await runCli(['audit', 'verify'], env);
    expect(removed.code).toBe(1);
    expect(removed.stdout).toMatch(/BROKEN at entry 4: entries 4…4 are missing/);

    await rewrite((entries) =>
      entries.map(([id, body], i) => [id, i === entries.length - 1 ? body.replace('reason 2', 'reason x') : body]),
    );
    const last = await runCli(['audit', 'verify'], env);
    expect(last.code).toBe(1);
  }, 90_000);

  it('verify exits 1 when two entries are swapped', async () => {
    await rewrite((entries) => {
      const swapped = [...entries];
      const [a, b] = [swapped[1], swapped[2]] as [[string, string], [string, string]];
      swapped[1] = [a[0], b[1]];
      swapped[2] = [b[0], a[1]];
      return swapped;
    });
    const result = await runCli(['audit', 'verify'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN at entry 2:/);
  });

  it('export writes JSON Lines whose prev is the SHA-256 of the line before; --since filters; a bad --since is refused', async () => {
    const all = await runCli(['audit', 'export'], env);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    for (let i = 1; i < lines.length; i++) {
      const sha = createHash('sha256')
        .update(lines[i - 1] as string)
        .digest('hex');
      expect(JSON.parse(lines[i] as string).prev).toBe(sha);
    }
    expect(lines.map((l) => JSON.parse(l).type)).toEqual([
      'pause.created',
      'pause.cancelled',
      'pause.created',
      'pause.cancelled',
      'pause.created',
      'pause.cancelled',
    ]);
    const later = await runCli(['audit', 'export', '--since', new Date(Date.now() + 3_600_000).toISOString()], env);
    expect(later.stdout).toBe('');
    const bad = await runCli(['audit', 'export', '--since', 'yesterday-ish'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since must be an ISO-8601 time');
    expect((await runCli(['audit', 'frobnicate'], env)).code).toBe(2);
  }, 120_000);
});
