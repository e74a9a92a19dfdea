import type { Config } from '../config.js';
import { isKeyName } from '../domain/api-keys.js';
import { HUMAN_RULE } from '../domain/schemas.js';
import { RedisStore } from '../store/redis-store.js';
import { type ApiKeyDeps, checkNewKey, mintApiKey, revokeApiKey } from '../use-cases/api-keys.js';
import { flagValue } from './flags.js';

const USAGE = 'usage: looppause keys create --name NAME [--owner OWNER] [--admin] | list | revoke --name NAME\n';

/** `looppause keys create|list|revoke`: API keys minted into Redis, stored as SHA-256 only. */
export async function keysCommand(config: Config, args: string[]): Promise<number> {
  const [action, ...flags] = args;
  if (!config.redis) {
    process.stderr.write(
      'looppause keys: needs REDIS_URL (the embedded memory store lives inside one server process); ' +
        'without Redis, configure keys with LOOPPAUSE_API_KEYS=name:key\n',
    );
    return 1;
  }
  const name = flagValue(flags, '--name') ?? '';
  // `--owner` given without a value is a bad owner, not none.
  const hasOwner = flags.some((f) => f === '--owner' || f.startsWith('--owner='));
  const owner = hasOwner ? (flagValue(flags, '--owner') ?? '') : undefined;
  const admin = flags.includes('--admin');
  // Refused before Redis is asked anything.
  const refused =
    action === 'create'
      ? checkNewKey({ name, owner }, config.apiKeys)
      : action === 'revoke' && !isKeyName(name)
        ? 'bad_name'
        : undefined;
  switch (refused) {
    case 'bad_name':
      process.stderr.write(`looppause keys ${action}: --name NAME is required (letters, digits, . _ -; max 64)\n`);
      return 2;
    case 'bad_owner':
      process.stderr.write(`looppause keys create: --owner ${HUMAN_RULE}, e.g. --owner sarah@acme.com\n`);
      return 2;
    case 'configured':
      process.stderr.write(
        `looppause keys create: ${name} is already a key name in LOOPPAUSE_API_KEYS; pick another\n`,
      );
      return 1;
  }
  const store = new RedisStore({ url: config.redis.url, prefix: config.redis.prefix });
  const deps: ApiKeyDeps = { store, configured: config.apiKeys, now: Date.now };
  try {
    await store.connect();
    switch (action) {
      case 'create': {
        const minted = await mintApiKey(deps, { name, owner, admin, actor: 'cli' });
        if (minted.outcome !== 'created') {
          process.stderr.write(`looppause keys create: a key named ${name} exists; revoke it first\n`);
          return 1;
        }
        process.stdout.write(`${minted.key}\n`);
        const about = [owner ? `owned by ${owner}` : '', admin ? 'admin' : ''].filter(Boolean).join(', ');
        process.stderr.write(
          `Created API key "${name}"${about ? ` (${about})` : ''}. It is shown once; store it now.\n`,
        );
        return 0;
      }
      case 'list': {
        // One key a line, tab-separated: name, created_at, owner (- for none), admin or -.
        for (const key of await store.listApiKeys()) {
          process.stdout.write(`${key.name}\t${key.created_at}\t${key.owner ?? '-'}\t${key.admin ? 'admin' : '-'}\n`);
        }
        return 0;
      }
      case 'revoke': {
        const revoked = (await revokeApiKey(deps, { name, actor: 'cli' })).outcome === 'revoked';
        process.stderr.write(revoked ? `Revoked "${name}".\n` : `No key named "${name}".\n`);
        return revoked ? 0 : 1;
      }
      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } finally {
    await store.close();
  }
}
