import type { Config } from '../config.js';
import { newSecretToken } from '../domain/ids.js';
import { HUMAN_RULE, isHumanId } from '../domain/schemas.js';
import { hashApiKey } from '../http/auth.js';
import { RedisStore } from '../store/redis-store.js';
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
  const name = flagValue(flags, '--name');
  if ((action === 'create' || action === 'revoke') && (!name || !/^[A-Za-z0-9._-]{1,64}$/.test(name))) {
    process.stderr.write(`looppause keys ${action}: --name NAME is required (letters, digits, . _ -; max 64)\n`);
    return 2;
  }
  const owner = flagValue(flags, '--owner');
  const hasOwner = flags.some((f) => f === '--owner' || f.startsWith('--owner='));
  if (action === 'create' && hasOwner && (owner === undefined || !isHumanId(owner))) {
    process.stderr.write(`looppause keys create: --owner ${HUMAN_RULE}, e.g. --owner sarah@acme.com\n`);
    return 2;
  }
  const admin = flags.includes('--admin');
  if (action === 'create' && config.apiKeys.some((k) => k.name === name)) {
    process.stderr.write(`looppause keys create: ${name} is already a key name in LOOPPAUSE_API_KEYS; pick another\n`);
    return 1;
  }
  const store = new RedisStore({ url: config.redis.url, prefix: config.redis.prefix });
  try {
    await store.connect();
    switch (action) {
      case 'create': {
        const key = `lp_${newSecretToken()}`;
        const stored = await store.createApiKey({
          name: name as string,
          hash: hashApiKey(key),
          created_at: new Date().toISOString(),
          ...(owner ? { owner } : {}),
          ...(admin ? { admin: true } : {}),
        });
        if (!stored) {
          process.stderr.write(`looppause keys create: a key named ${name} exists; revoke it first\n`);
          return 1;
        }
        await store.appendAudit(
          { type: 'key.created', actor: 'cli', data: { name, ...(owner ? { owner } : {}), admin } },
          Date.now(),
        );
        process.stdout.write(`${key}\n`);
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
        const revoked = await store.revokeApiKey(name as string);
        if (revoked) await store.appendAudit({ type: 'key.revoked', actor: 'cli', data: { name } }, Date.now());
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
