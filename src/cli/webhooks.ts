import type { Config } from '../config.js';
import { LoopPauseError } from '../domain/errors.js';
import { RedisStore } from '../store/redis-store.js';
import { RedisWebhookStore } from '../store/redis-webhooks.js';
import { WebhookAdmin } from '../webhook/admin.js';
import { guardOptions } from '../webhook/index.js';
import type { Resolver } from '../webhook/ssrf-guard.js';

const USAGE =
  'usage: looppause webhooks add URL --events pause.decided,... | list | remove ID | rotate-secret ID | enable ID | dead-letters [ID] | redrive [ID]\n';

export type WebhooksCommand =
  | { action: 'add'; url: string; events: string[] }
  | { action: 'list' }
  | { action: 'remove' | 'rotate-secret' | 'enable'; id: string }
  | { action: 'dead-letters' | 'redrive'; id?: string };

/** The arguments alone (no store): a usage error names what is wrong. URL and events are checked by the admin rules. */
export function parseWebhooksArgs(args: readonly string[]): WebhooksCommand | { error: string } {
  const [action, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(rest[i - 1] === '--events'));
  switch (action) {
    case 'add': {
      const url = positional[0];
      const inline = rest.find((a) => a.startsWith('--events='));
      const at = rest.indexOf('--events');
      const events = inline !== undefined ? inline.slice('--events='.length) : at >= 0 ? rest[at + 1] : undefined;
      if (url === undefined)
        return {
          error: 'add: URL is required, e.g. looppause webhooks add https://example.com/hook --events pause.decided',
        };
      if (events === undefined || events.startsWith('--'))
        return { error: 'add: --events is required, e.g. --events pause.decided,pause.timed_out' };
      if (positional.length > 1)
        return { error: `add: one URL only (also got ${JSON.stringify(positional[1]?.slice(0, 80))})` };
      const unknown = rest.find((a) => a.startsWith('--') && a !== '--events' && !a.startsWith('--events='));
      if (unknown !== undefined) return { error: `add: unknown option ${JSON.stringify(unknown.slice(0, 80))}` };
      return { action, url, events: events.split(',').map((e) => e.trim()) };
    }
    case 'list':
      return rest.length === 0 ? { action } : { error: 'list takes no arguments' };
    case 'remove':
    case 'rotate-secret':
    case 'enable': {
      const [id, ...more] = rest;
      if (id === undefined || more.length > 0 || id.startsWith('--'))
        return { error: `${action}: one endpoint ID is required` };
      return { action, id };
    }
    case 'dead-letters':
    case 'redrive': {
      const [id, ...more] = rest;
      if (more.length > 0 || id?.startsWith('--')) return { error: `${action}: at most one endpoint ID` };
      return id === undefined ? { action } : { action, id };
    }
    default:
      return {
        error:
          action === undefined
            ? 'a subcommand is required'
            : `unknown subcommand ${JSON.stringify(action.slice(0, 40))}`,
      };
  }
}

/**
 * `looppause webhooks …`: the endpoint registry in Redis, as the admin REST routes manage it (the
 * same validation and SSRF checks). Needs REDIS_URL: the embedded memory store lives inside one
 * server process (use `/v1/webhooks` with an admin key there).
 */
export async function webhooksCommand(
  config: Config,
  args: string[],
  io: { out: (s: string) => void; err: (s: string) => void; resolve?: Resolver } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
): Promise<number> {
  const command = parseWebhooksArgs(args);
  if ('error' in command) {
    io.err(`looppause webhooks: ${command.error}\n${USAGE}`);
    return 2;
  }
  if (!config.redis) {
    io.err(
      'looppause webhooks: needs REDIS_URL; with the embedded memory store use /v1/webhooks with an admin API key\n',
    );
    return 1;
  }
  const store = new RedisStore({ url: config.redis.url, prefix: config.redis.prefix });
  try {
    await store.connect();
    const webhooks = new RedisWebhookStore(store.connection);
    // A redrive queues delivery jobs in the store; the servers' webhook surfaces run them.
    const admin = new WebhookAdmin({ webhooks, jobs: store, guard: guardOptions(config, io.resolve) });
    switch (command.action) {
      case 'add': {
        const endpoint = await admin.add({ url: command.url, events: command.events }, 'cli');
        io.out(`${JSON.stringify(endpoint)}\n`);
        io.err(`Registered ${endpoint.id}. Its secret is shown once; store it now.\n`);
        return 0;
      }
      case 'list':
        // One endpoint a line, tab-separated: id, enabled or disabled, events, url, created_by, created_at, reason.
        for (const e of await admin.list()) {
          io.out(
            `${[e.id, e.enabled ? 'enabled' : 'disabled', e.events.join(','), e.url, e.created_by, e.created_at, e.disabled_reason ?? '-'].join('\t')}\n`,
          );
        }
        return 0;
      case 'remove':
        await admin.remove(command.id);
        io.err(`Removed ${command.id}.\n`);
        return 0;
      case 'rotate-secret': {
        const { secret } = await admin.rotateSecret(command.id);
        io.out(`${secret}\n`);
        io.err(`New secret for ${command.id}; the old one no longer signs. Shown once; store it now.\n`);
        return 0;
      }
      case 'enable':
        await admin.enable(command.id);
        io.err(`Enabled ${command.id}.\n`);
        return 0;
      case 'dead-letters':
        for (const letter of await admin.deadLetters(command.id)) {
          const { body: _, ...event } = letter.event;
          io.out(`${JSON.stringify({ ...letter, event })}\n`);
        }
        return 0;
      case 'redrive': {
        const { redriven, skipped } = await admin.redrive(command.id === undefined ? {} : { endpoint_id: command.id });
        io.err(
          `Redriven ${redriven}${skipped > 0 ? `; ${skipped} skipped (endpoint disabled or removed: enable it first)` : ''}.\n`,
        );
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof LoopPauseError) {
      io.err(`looppause webhooks ${command.action}: ${error.message}\n`);
      return error.code === 'not_found' ? 1 : 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}
