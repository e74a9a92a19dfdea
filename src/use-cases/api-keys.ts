import { hashApiKey, isKeyName, newApiKey } from '../domain/api-keys.js';
import { isHumanId } from '../domain/schemas.js';
import type { ApiKeys, StoredApiKey } from '../store/ports/api-keys.js';
import type { AuditLog, NewAuditEntry } from '../store/ports/audit.js';

/** Minting and revoking API keys in the store: one rule for `looppause keys` and the dashboard. */

export interface ApiKeyDeps {
  store: Pick<ApiKeys, 'createApiKey' | 'revokeApiKey'> & Pick<AuditLog, 'appendAudit'>;
  /** The keys set in LOOPPAUSE_API_KEYS: their names are taken. */
  configured: readonly { name: string }[];
  now: () => number;
  /**
   * When given, an audit append that fails is handed here and the key stays minted or revoked
   * (the dashboard logs it and still shows the key). When absent, the failure is thrown (the CLI).
   */
  onAuditError?: (error: unknown, entry: NewAuditEntry) => void;
  /** Drops a name from this process's cache of keys (`ApiKeyAuth.forget`), so a revoked key stops here at once. */
  forget?: (name: string) => void;
}

export interface NewApiKey {
  name: string;
  /** The human behind the agent; undefined for none. Given, it must be an e-mail address or a Slack user id. */
  owner?: string | undefined;
  admin?: boolean;
  /** Who mints it, for the audit log: `cli`, `dashboard:<email>`. */
  actor: string;
}

/** Why a key cannot be minted, before the store is asked. */
export type NewKeyRefusal = 'bad_name' | 'bad_owner' | 'configured';

export type MintResult =
  | { outcome: 'created'; key: string; stored: StoredApiKey }
  /** `exists`: the store holds a key of that name already. */
  | { outcome: NewKeyRefusal | 'exists' };

export type RevokeResult = { outcome: 'revoked' | 'not_found' | 'bad_name' };

/** The name rule, the owner rule, and a name LOOPPAUSE_API_KEYS holds; undefined when the key may be minted. */
export function checkNewKey(
  input: Pick<NewApiKey, 'name' | 'owner'>,
  configured: ApiKeyDeps['configured'],
): NewKeyRefusal | undefined {
  if (!isKeyName(input.name)) return 'bad_name';
  // isHumanId bounds the length too (254, an e-mail address's limit).
  if (input.owner !== undefined && !isHumanId(input.owner)) return 'bad_owner';
  if (configured.some((k) => k.name === input.name)) return 'configured';
  return undefined;
}

/** A new key (`lp_…`, shown once), stored as its SHA-256 only, and a `key.created` audit entry. */
export async function mintApiKey(deps: ApiKeyDeps, input: NewApiKey): Promise<MintResult> {
  const refused = checkNewKey(input, deps.configured);
  if (refused) return { outcome: refused };
  const { name, owner } = input;
  const admin = input.admin === true;
  const key = newApiKey();
  const now = deps.now();
  const stored: StoredApiKey = {
    name,
    hash: hashApiKey(key),
    created_at: new Date(now).toISOString(),
    ...(owner ? { owner } : {}),
    ...(admin ? { admin: true } : {}),
  };
  if (!(await deps.store.createApiKey(stored))) return { outcome: 'exists' };
  await audit(
    deps,
    { type: 'key.created', actor: input.actor, data: { name, ...(owner ? { owner } : {}), admin } },
    now,
  );
  return { outcome: 'created', key, stored };
}

/** Revokes a key minted into the store (not one set in LOOPPAUSE_API_KEYS), with a `key.revoked` audit entry. */
export async function revokeApiKey(deps: ApiKeyDeps, input: { name: string; actor: string }): Promise<RevokeResult> {
  if (!isKeyName(input.name)) return { outcome: 'bad_name' };
  const revoked = await deps.store.revokeApiKey(input.name);
  // Revoked now or by someone else a moment ago: either way this process stops accepting it at once.
  deps.forget?.(input.name);
  if (!revoked) return { outcome: 'not_found' };
  await audit(deps, { type: 'key.revoked', actor: input.actor, data: { name: input.name } }, deps.now());
  return { outcome: 'revoked' };
}

async function audit(deps: ApiKeyDeps, entry: NewAuditEntry, nowMs: number): Promise<void> {
  if (!deps.onAuditError) return deps.store.appendAudit(entry, nowMs);
  try {
    await deps.store.appendAudit(entry, nowMs);
  } catch (error) {
    deps.onAuditError(error, entry);
  }
}
