import type { ApiKeys, StoredApiKey } from './ports/api-keys.js';
import type { RedisContext } from './redis-connection.js';
import { createApiKeyScript } from './scripts/create-api-key.js';
import { revokeApiKeyScript } from './scripts/revoke-api-key.js';

/** API keys on Redis: records by key hash, and the hash by name (so names stay unique, in one script). */
export class RedisApiKeys implements ApiKeys {
  constructor(private readonly context: RedisContext) {}

  async createApiKey(key: StoredApiKey): Promise<boolean> {
    return createApiKeyScript.run(this.context, key);
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
    return revokeApiKeyScript.run(this.context, { name });
  }
}
