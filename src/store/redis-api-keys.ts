import type { ApiKeys, StoredApiKey } from './ports/api-keys.js';
import type { RedisContext } from './redis-connection.js';

/** API keys on Redis: records by key hash, and the hash by name (so names stay unique, in one script). */
export class RedisApiKeys implements ApiKeys {
  constructor(private readonly context: RedisContext) {}

  async createApiKey(key: StoredApiKey): Promise<boolean> {
    const { keys: k, scripts } = this.context;
    const stored = await scripts.run<number>(
      'create-api-key',
      [k.apiKeys, k.apiKeyNames],
      [key.name, key.hash, JSON.stringify(key)],
    );
    return stored === 1;
  }

  async findApiKey(hash: string): Promise<StoredApiKey | null> {
    const raw = await this.context.redis.hget(this.context.keys.apiKeys, hash);
    return raw ? (JSON.parse(raw) as StoredApiKey) : null;
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    const all = await this.context.redis.hvals(this.context.keys.apiKeys);
    return all.map((raw) => JSON.parse(raw) as StoredApiKey).sort((a, b) => a.name.localeCompare(b.name));
  }

  async revokeApiKey(name: string): Promise<boolean> {
    const { keys: k, scripts } = this.context;
    return (await scripts.run<number>('revoke-api-key', [k.apiKeys, k.apiKeyNames], [name])) === 1;
  }
}
