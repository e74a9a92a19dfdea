import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentIdentity, ApiKeyAuth, agentOf, hashApiKey, requireAdmin } from '../../src/http/auth.js';
import type { RunningService } from '../../src/main.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

describe('API key cache', () => {
  it('answers a key owner from the authenticated key without listing every key; the store only when not cached', async () => {
    const store = new MemoryStore();
    const key = 'stored-key-0123456789abcdef';
    await store.createApiKey({
      name: 'ci',
      hash: hashApiKey(key),
      created_at: new Date().toISOString(),
      owner: 'sarah@acme.com',
    });
    let listings = 0;
    const list = store.listApiKeys.bind(store);
    store.listApiKeys = () => {
      listings++;
      return list();
    };
    let now = 1_000;
    const auth = new ApiKeyAuth(
      [{ name: 'env', key: 'env-key-0123456789abcdef', owner: 'U0ENV00001' }],
      store,
      5_000,
      () => now,
    );
    expect(await auth.ownerOf('env')).toBe('U0ENV00001');
    await auth.authenticate(key);
    expect(await auth.ownerOf('ci')).toBe('sarah@acme.com');
    expect(listings).toBe(0);
    now += 10_000;
    expect(await auth.ownerOf('ci')).toBe('sarah@acme.com');
    expect(await auth.ownerOf('nobody')).toBeUndefined();
    expect(listings).toBe(2);
  });

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

    expect(await auth.authenticate(key)).toEqual({ id: 'minted', admin: false });
    for (let i = 0; i < 12_000; i++) expect(await auth.authenticate(randomBytes(12).toString('hex'))).toBeNull();
    lookups.length = 0;
    expect(await auth.authenticate(key)).toEqual({ id: 'minted', admin: false });
    expect(lookups).toEqual([]);
  });

  it('caches a valid and an unknown key for the cache time, then asks the store again', async () => {
    const store = new MemoryStore();
    const key = 'stored-key-0123456789abcdef';
    let now = 1_000;
    const lookups: string[] = [];
    const find = store.findApiKey.bind(store);
    store.findApiKey = (hash) => {
      lookups.push(hash);
      return find(hash);
    };
    const auth = new ApiKeyAuth([], store, 5_000, () => now);
    expect(await auth.authenticate(key)).toBeNull();
    await store.createApiKey({ name: 'late', hash: hashApiKey(key), created_at: new Date().toISOString() });
    now += 4_999;
    expect(await auth.authenticate(key)).toBeNull();
    now += 2;
    expect(await auth.authenticate(key)).toEqual({ id: 'late', admin: false });
    expect(lookups).toHaveLength(2);
    await store.revokeApiKey('late');
    now += 4_999;
    expect((await auth.authenticate(key))?.id).toBe('late');
    now += 2;
    expect(await auth.authenticate(key)).toBeNull();
    expect(lookups).toHaveLength(3);
  });
});

describe('API key identity', () => {
  const envKeys = [
    { name: 'plain', key: 'plain-key-0123456789abcdef' },
    { name: 'owned', key: 'owned-key-0123456789abcdef', owner: 'sarah@acme.com', admin: false },
    { name: 'boss', key: 'boss-key-0123456789abcdef', owner: 'U0SARAH123', admin: true },
    { name: 'ops', key: 'ops-key-0123456789abcdef', admin: true },
  ];

  it('resolves configured keys to their name, owner and admin flag', async () => {
    const auth = new ApiKeyAuth(envKeys, new MemoryStore());
    expect(await auth.authenticate('plain-key-0123456789abcdef')).toEqual({ id: 'plain', admin: false });
    expect(await auth.authenticate('owned-key-0123456789abcdef')).toEqual({
      id: 'owned',
      owner: 'sarah@acme.com',
      admin: false,
    });
    expect(await auth.authenticate('boss-key-0123456789abcdef')).toEqual({
      id: 'boss',
      owner: 'U0SARAH123',
      admin: true,
    });
    expect(await auth.authenticate('ops-key-0123456789abcdef')).toEqual({ id: 'ops', admin: true });
  });

  it('resolves stored keys, and keys stored before owners and admin, to an identity', async () => {
    const store = new MemoryStore();
    const created_at = new Date().toISOString();
    await store.createApiKey({ name: 'old', hash: hashApiKey('old-key-0123456789abcdef'), created_at });
    await store.createApiKey({
      name: 'new',
      hash: hashApiKey('new-key-0123456789abcdef'),
      created_at,
      owner: 'ci@acme.com',
      admin: true,
    });
    const auth = new ApiKeyAuth([], store);
    expect(await auth.authenticate('old-key-0123456789abcdef')).toEqual({ id: 'old', admin: false });
    const first = await auth.authenticate('new-key-0123456789abcdef');
    expect(first).toEqual({ id: 'new', owner: 'ci@acme.com', admin: true });
    // A caller changing what it got back does not change the cached identity.
    if (first) first.admin = false;
    expect(await auth.authenticate('new-key-0123456789abcdef')).toEqual({
      id: 'new',
      owner: 'ci@acme.com',
      admin: true,
    });
  });

  describe('on a tiny express app', () => {
    let url: string;
    let close: () => Promise<void>;
    const store = new MemoryStore();

    beforeAll(async () => {
      await store.createApiKey({
        name: 'stored-admin',
        hash: hashApiKey('stored-admin-key-0123456789'),
        created_at: new Date().toISOString(),
        owner: 'W0ADMIN0001',
        admin: true,
      });
      const auth = new ApiKeyAuth(envKeys, store);
      const app = express();
      app.get('/whoami', auth.middleware(), (_req, res) => {
        res.json({ agent: agentOf(res), agentId: res.locals.agentId });
      });
      app.post('/admin', auth.middleware(), requireAdmin, (_req, res) => {
        res.json({ ok: true, agent: agentOf(res) });
      });
      // Wired without the auth middleware: requireAdmin still refuses.
      app.post('/unguarded', requireAdmin, (_req, res) => {
        res.json({ ok: true });
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise((resolve) => server.close(() => resolve()));
    });
    afterAll(async () => {
      await close?.();
    });

    const call = (method: string, path: string, key?: string) =>
      fetch(`${url}${path}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });

    it('sets res.locals.agent and res.locals.agentId for env and stored keys', async () => {
      const owned = await call('GET', '/whoami', 'owned-key-0123456789abcdef');
      expect(await owned.json()).toEqual({
        agent: { id: 'owned', owner: 'sarah@acme.com', admin: false },
        agentId: 'owned',
      });
      const stored = await call('GET', '/whoami', 'stored-admin-key-0123456789');
      expect(await stored.json()).toEqual({
        agent: { id: 'stored-admin', owner: 'W0ADMIN0001', admin: true },
        agentId: 'stored-admin',
      });
    });

    it('requireAdmin: 403 forbidden for a non-admin key, through for an admin key', async () => {
      for (const key of ['plain-key-0123456789abcdef', 'owned-key-0123456789abcdef']) {
        const res = await call('POST', '/admin', key);
        expect(res.status, key).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      }
      for (const [key, id] of [
        ['boss-key-0123456789abcdef', 'boss'],
        ['ops-key-0123456789abcdef', 'ops'],
        ['stored-admin-key-0123456789', 'stored-admin'],
      ] as const) {
        const res = await call('POST', '/admin', key);
        expect(res.status, key).toBe(200);
        expect(((await res.json()) as { agent: AgentIdentity }).agent.id).toBe(id);
      }
    });

    it('requireAdmin: no key is 401 from auth first; without auth wired it fails closed', async () => {
      expect((await call('POST', '/admin')).status).toBe(401);
      expect((await call('POST', '/admin', 'not-a-key-0123456789abcdef')).status).toBe(401);
      const unguarded = await call('POST', '/unguarded', 'ops-key-0123456789abcdef');
      expect(unguarded.status).toBe(403);
      expect(((await unguarded.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    });
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
