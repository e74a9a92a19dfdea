import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyAuth, hashApiKey } from '../../src/http/auth.js';
import type { RunningService } from '../../src/main.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

describe('API key cache', () => {
  it('a flood of random keys does not push a valid stored key out of the cache', async () => {
    const store = new MemoryStore();
    const key = 'stored-key-0123456789abcdef';
    await store.createApiKey({ name: 'minted', hash: hashApiKey(key), created_at: new Date().toISOString() });
    const lookups: string[] = [];
    const find = store.findApiKey.bind(store);
    store.findApiKey = (hash) => {
      lookups.push(hash);
      return find(hash);
    };
    const auth = new ApiKeyAuth([], store, 60_000, () => 1_000);

    expect(await auth.authenticate(key)).toBe('minted');
    for (let i = 0; i < 12_000; i++) expect(await auth.authenticate(randomBytes(12).toString('hex'))).toBeNull();
    lookups.length = 0;
    expect(await auth.authenticate(key)).toBe('minted');
    expect(lookups).toEqual([]);
  });
});

describe('authentication comes before the body is read', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await running?.close();
  });

  it('an unauthenticated request with a broken JSON body is 401, not 400', async () => {
    for (const path of ['/v1/pauses', '/mcp']) {
      for (const authorization of [undefined, 'Bearer not-a-valid-key-0123456789']) {
        const res = await fetch(`${running.url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(authorization ? { authorization } : {}),
          },
          body: '{"action_description":',
        });
        expect(res.status, `${path} ${authorization}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
    }
    const withKey = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: '{"action_description":',
    });
    expect(withKey.status).toBe(400);
  });
});
