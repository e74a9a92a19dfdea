export interface StoredApiKey {
  name: string;
  /** sha256 hex of the key. The key itself is never stored. */
  hash: string;
  created_at: string;
  /** The human behind the key: an e-mail address or a Slack user id. Absent on keys made before owners. */
  owner?: string;
  /** May use the admin endpoints; absent (keys made before the flag) is false. */
  admin?: boolean;
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
