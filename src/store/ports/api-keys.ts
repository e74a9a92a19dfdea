export interface StoredApiKey {
  name: string;
  /** sha256 hex of the key. The key itself is never stored. */
  hash: string;
  created_at: string;
}

/** API keys minted into the store (`looppause keys`), found by hash; names are unique. */
export interface ApiKeys {
  /** False when the name is taken. */
  createApiKey(key: StoredApiKey): Promise<boolean>;
  findApiKey(hash: string): Promise<StoredApiKey | null>;
  /** By name. */
  listApiKeys(): Promise<StoredApiKey[]>;
  /** False when no key has this name. */
  revokeApiKey(name: string): Promise<boolean>;
}
