import { describe, expect, it } from 'vitest';
import { hashApiKey, KEY_NAME_PATTERN } from '../../src/domain/api-keys.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { NewAuditEntry } from '../../src/store/ports/audit.js';
import { type ApiKeyDeps, checkNewKey, mintApiKey, revokeApiKey } from '../../src/use-cases/api-keys.js';
import { ManualClock, T0 } from '../helpers/use-cases.js';

function world(configured: { name: string }[] = []) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const deps: ApiKeyDeps = { store, configured, now: clock.now };
  /** The audit entries as stored: `{ at, type, actor, data }`. */
  const audit = async () =>
    (await store.readAudit({ limit: 100 })).entries.map((e) => {
      const { at, type, actor, data } = JSON.parse(e.body) as Record<string, unknown>;
      return { at, type, actor, data };
    });
  return { store, clock, deps, audit };
}

describe('mintApiKey', () => {
  it('mints an lp_ key, stores only its hash with the clock’s time, and audits who minted it', async () => {
    const { store, clock, deps, audit } = world();
    clock.advance(90_000);
    const minted = await mintApiKey(deps, { name: 'ci-bot', owner: 'sarah@acme.com', admin: true, actor: 'cli' });
    if (minted.outcome !== 'created') throw new Error(minted.outcome);
    expect(minted.key).toMatch(/^lp_[A-Za-z0-9_-]{43}$/);
    expect(minted.stored).toEqual({
      name: 'ci-bot',
      hash: hashApiKey(minted.key),
      created_at: new Date(T0 + 90_000).toISOString(),
      owner: 'sarah@acme.com',
      admin: true,
    });
    expect(await store.findApiKey(hashApiKey(minted.key))).toEqual(minted.stored);
    expect(JSON.stringify(await store.listApiKeys())).not.toContain(minted.key);
    expect(await audit()).toEqual([
      {
        at: new Date(T0 + 90_000).toISOString(),
        type: 'key.created',
        actor: 'cli',
        data: { name: 'ci-bot', owner: 'sarah@acme.com', admin: true },
      },
    ]);
  });

  it('a key without owner or admin stores neither, and audits admin: false', async () => {
    const { deps, audit } = world();
    const minted = await mintApiKey(deps, { name: 'bare', actor: 'dashboard:ada@example.com' });
    if (minted.outcome !== 'created') throw new Error(minted.outcome);
    expect(minted.stored).not.toHaveProperty('owner');
    expect(minted.stored).not.toHaveProperty('admin');
    expect((await audit())[0]).toMatchObject({
      actor: 'dashboard:ada@example.com',
      data: { name: 'bare', admin: false },
    });
  });

  it('two keys get different secrets', async () => {
    const { deps } = world();
    const a = await mintApiKey(deps, { name: 'a', actor: 'cli' });
    const b = await mintApiKey(deps, { name: 'b', actor: 'cli' });
    expect(a.outcome === 'created' && b.outcome === 'created' && a.key !== b.key).toBe(true);
  });

  it.each([
    ['', 'bad_name'],
    ['no spaces', 'bad_name'],
    ['a'.repeat(65), 'bad_name'],
    ['slash/name', 'bad_name'],
    ['colon:name', 'bad_name'],
  ])('refuses the name %j, storing and auditing nothing', async (name, outcome) => {
    const { store, deps, audit } = world();
    expect(await mintApiKey(deps, { name, actor: 'cli' })).toEqual({ outcome });
    expect(await store.listApiKeys()).toEqual([]);
    expect(await audit()).toEqual([]);
  });

  it('accepts the name rule’s edges: 64 characters of letters, digits, . _ -', async () => {
    const { deps } = world();
    const name = `A.z_0-${'x'.repeat(58)}`;
    expect(name).toHaveLength(64);
    expect(KEY_NAME_PATTERN.test(name)).toBe(true);
    expect((await mintApiKey(deps, { name, actor: 'cli' })).outcome).toBe('created');
  });

  it.each(['sarah', '#finance', '', 'C0CHANNEL1', `${'a'.repeat(250)}@example.com`])(
    'refuses the owner %j: an owner must be an e-mail address or a Slack user id',
    async (owner) => {
      const { store, deps } = world();
      expect(await mintApiKey(deps, { name: 'bot', owner, actor: 'cli' })).toEqual({ outcome: 'bad_owner' });
      expect(await store.listApiKeys()).toEqual([]);
    },
  );

  it('accepts a Slack user id as owner', async () => {
    const { deps } = world();
    const minted = await mintApiKey(deps, { name: 'bot', owner: 'U0SARAH123', actor: 'cli' });
    expect(minted.outcome === 'created' && minted.stored.owner).toBe('U0SARAH123');
  });

  it('refuses a name LOOPPAUSE_API_KEYS holds, and a name the store holds (no second audit entry)', async () => {
    const { deps, audit } = world([{ name: 'agent-a' }]);
    expect(await mintApiKey(deps, { name: 'agent-a', actor: 'cli' })).toEqual({ outcome: 'configured' });
    expect((await mintApiKey(deps, { name: 'ci-bot', actor: 'cli' })).outcome).toBe('created');
    expect(await mintApiKey(deps, { name: 'ci-bot', admin: true, actor: 'cli' })).toEqual({ outcome: 'exists' });
    expect((await audit()).map((e) => e.type)).toEqual(['key.created']);
  });

  it('checkNewKey answers in the order the surfaces report: name, then owner, then LOOPPAUSE_API_KEYS', () => {
    const configured = [{ name: 'agent-a' }];
    expect(checkNewKey({ name: 'bad name', owner: 'bad' }, configured)).toBe('bad_name');
    expect(checkNewKey({ name: 'agent-a', owner: 'bad' }, configured)).toBe('bad_owner');
    expect(checkNewKey({ name: 'agent-a' }, configured)).toBe('configured');
    expect(checkNewKey({ name: 'agent-b', owner: 'ada@example.com' }, configured)).toBeUndefined();
  });

  it('an audit failure is thrown without onAuditError, and handed to it with one; the key is stored either way', async () => {
    const { store, deps } = world();
    const broken: ApiKeyDeps['store'] = {
      createApiKey: (key) => store.createApiKey(key),
      revokeApiKey: (name) => store.revokeApiKey(name),
      appendAudit: async () => {
        throw new Error('audit down');
      },
    };
    await expect(mintApiKey({ ...deps, store: broken }, { name: 'thrown', actor: 'cli' })).rejects.toThrow(
      'audit down',
    );
    const handed: NewAuditEntry[] = [];
    const minted = await mintApiKey(
      { ...deps, store: broken, onAuditError: (_error, entry) => handed.push(entry) },
      { name: 'handed', actor: 'dashboard:ada@example.com' },
    );
    expect(minted.outcome).toBe('created');
    expect(handed).toEqual([
      { type: 'key.created', actor: 'dashboard:ada@example.com', data: { name: 'handed', admin: false } },
    ]);
    expect((await store.listApiKeys()).map((k) => k.name).sort()).toEqual(['handed', 'thrown']);
  });
});

describe('revokeApiKey', () => {
  it('revokes a stored key and audits it with the clock’s time; an unknown name changes nothing', async () => {
    const { store, clock, deps, audit } = world();
    await mintApiKey(deps, { name: 'ci-bot', actor: 'cli' });
    clock.advance(60_000);
    expect(await revokeApiKey(deps, { name: 'ci-bot', actor: 'dashboard:ada@example.com' })).toEqual({
      outcome: 'revoked',
    });
    expect(await store.listApiKeys()).toEqual([]);
    expect(await revokeApiKey(deps, { name: 'ci-bot', actor: 'cli' })).toEqual({ outcome: 'not_found' });
    expect((await audit()).slice(1)).toEqual([
      {
        at: new Date(T0 + 60_000).toISOString(),
        type: 'key.revoked',
        actor: 'dashboard:ada@example.com',
        data: { name: 'ci-bot' },
      },
    ]);
  });

  it('forget drops the name from the caller’s cache whether this call or another replica revoked it', async () => {
    const { deps } = world();
    const forgotten: string[] = [];
    const withCache = { ...deps, forget: (name: string) => forgotten.push(name) };
    await mintApiKey(deps, { name: 'ci-bot', actor: 'cli' });
    await revokeApiKey(withCache, { name: 'ci-bot', actor: 'cli' });
    await revokeApiKey(withCache, { name: 'ci-bot', actor: 'cli' });
    await revokeApiKey(withCache, { name: 'no spaces', actor: 'cli' });
    expect(forgotten).toEqual(['ci-bot', 'ci-bot']);
  });

  it('refuses a name that breaks the rule without asking the store', async () => {
    const { deps, audit } = world();
    expect(await revokeApiKey(deps, { name: 'no spaces', actor: 'cli' })).toEqual({ outcome: 'bad_name' });
    expect(await audit()).toEqual([]);
  });

  it('a key set in LOOPPAUSE_API_KEYS is not the store’s to revoke', async () => {
    const { deps } = world([{ name: 'agent-a' }]);
    expect(await revokeApiKey(deps, { name: 'agent-a', actor: 'cli' })).toEqual({ outcome: 'not_found' });
  });
});
