import type { ApiKeys, StoredApiKey } from '../../store/ports/api-keys.js';
import type { KeyRow } from '../views/keys.js';

/** The API keys page's rows: the keys set in LOOPPAUSE_API_KEYS first (not revocable here), then the store's. */
export async function presentKeys(
  store: Pick<ApiKeys, 'listApiKeys'>,
  configured: { name: string; owner?: string; admin?: boolean }[],
): Promise<KeyRow[]> {
  return keyRowsFrom(await store.listApiKeys(), configured);
}

function keyRowsFrom(
  stored: StoredApiKey[],
  configured: { name: string; owner?: string; admin?: boolean }[],
): KeyRow[] {
  return [
    ...configured.map((k) => ({
      name: k.name,
      admin: k.admin === true,
      configured: true,
      ...(k.owner ? { owner: k.owner } : {}),
    })),
    ...stored.map((k) => ({
      name: k.name,
      created_at: k.created_at,
      admin: k.admin === true,
      configured: false,
      ...(k.owner ? { owner: k.owner } : {}),
    })),
  ];
}
