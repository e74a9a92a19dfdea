import type { ApiKeys, StoredApiKey } from './ports/api-keys.js';

/** API keys in memory, by hash; names unique. */
export class MemoryApiKeys implements ApiKeys {
  private readonly keys = new Map<string, StoredApiKey>();

  async createApiKey(key: StoredApiKey): Promise<boolean> {
    if ([...this.keys.values()].some((k) => k.name === key.name)) return false;
    this.keys.set(key.hash, { ...key });
    return true;
  }

  async findApiKey(hash: string): Promise<StoredApiKey | null> {
    const key = this.keys.get(hash);
    return key ? { ...key } : null;
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    return [...this.keys.values()].map((k) => ({ ...k })).sort((a, b) => a.name.localeCompare(b.name));
  }

  snapshot(): StoredApiKey[] {
    return [...this.keys.values()].map((k) => ({ ...k }));
  }

  restore(keys: readonly StoredApiKey[]): void {
    this.keys.clear();
    for (const key of keys) this.keys.set(key.hash, { ...key });
  }

  async revokeApiKey(name: string): Promise<boolean> {
    for (const [hash, key] of this.keys) {
      if (key.name === name) return this.keys.delete(hash);
    }
    return false;
  }
}
