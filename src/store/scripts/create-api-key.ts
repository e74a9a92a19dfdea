import { defineScript } from '../lua-scripts.js';
import type { StoredApiKey } from '../ports/api-keys.js';

/** lua/create-api-key-2.lua: stores a key under a unique name; false when the name is taken. */
export const createApiKeyScript = defineScript({
  name: 'create-api-key',
  numKeys: 2,
  keys: (k, _key: StoredApiKey) => [k.apiKeys, k.apiKeyNames] as const,
  args: (_k, key: StoredApiKey) => [/* 1 */ key.name, /* 2 */ key.hash, /* 3 */ JSON.stringify(key)],
  reply: (raw) => raw === 1,
});
