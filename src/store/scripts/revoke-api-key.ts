import { defineScript } from '../lua-scripts.js';

/** lua/revoke-api-key-2.lua: removes a key by name; false when there was none. */
export const revokeApiKeyScript = defineScript({
  name: 'revoke-api-key',
  numKeys: 2,
  keys: (k, _input: { name: string }) => [k.apiKeys, k.apiKeyNames] as const,
  args: (_k, { name }: { name: string }) => [/* 1 */ name],
  reply: (raw) => raw === 1,
});
