import type { Config } from '../config.js';
import { LoopPauseError } from '../domain/errors.js';
import { RedisDelegations } from '../store/redis-delegations.js';
import { RedisStore } from '../store/redis-store.js';
import { endDelegation } from '../use-cases/end-delegation.js';
import { setDelegation } from '../use-cases/set-delegation.js';
import { flagValue } from './flags.js';

const USAGE =
  'usage: looppause delegate --from A --to D --until ISO | delegate end --from A | delegate list\n' +
  '       looppause away --for A --to D --until ISO | back --for A\n';

/**
 * `looppause delegate` (and `away` / `back`): an operator sets or ends an approver's delegation in
 * Redis, as the dashboard's admins may, checked by the same rules (the policy file when
 * LOOPPAUSE_POLICY_FILE names one). Recorded on the audit log with the actor `cli`.
 */
export async function delegateCommand(
  config: Config,
  command: 'delegate' | 'away' | 'back',
  args: string[],
): Promise<number> {
  const [first, ...others] = args;
  const action =
    command === 'away' ? 'set' : command === 'back' ? 'end' : first === 'end' || first === 'list' ? first : 'set';
  const flags = command === 'delegate' && (first === 'end' || first === 'list') ? others : args;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!config.redis) {
    process.stderr.write(
      `looppause ${command}: needs REDIS_URL (the embedded memory store lives inside one server process); ` +
        "without Redis, set delegations in Slack or on the dashboard's Away page\n",
    );
    return 1;
  }
  const absent = flagValue(flags, command === 'delegate' ? '--from' : '--for');
  if (action !== 'list' && !absent) {
    process.stderr.write(`looppause ${command}: ${command === 'delegate' ? '--from' : '--for'} is required\n${USAGE}`);
    return 2;
  }
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(config);
  } catch (error) {
    process.stderr.write(`looppause ${command}: ${(error as Error).message}\n`);
    return 1;
  }
  const store = new RedisStore({ url: config.redis.url, prefix: config.redis.prefix });
  try {
    await store.connect();
    const deps = {
      delegations: new RedisDelegations(store.connection),
      audit: store,
      policy,
      allowedEmailDomains: config.allowedEmailDomains,
      now: Date.now,
    };
    if (action === 'list') {
      for (const d of await deps.delegations.listDelegations(Date.now())) {
        process.stdout.write(`${d.absent}\t${d.delegate}\tuntil ${d.until}\tset by ${d.set_by}\n`);
      }
      return 0;
    }
    if (action === 'end') {
      const ended = await endDelegation(deps, absent as string, 'cli');
      process.stderr.write(
        ended
          ? `${ended.absent} is back: ${ended.delegate} no longer decides for them.\n`
          : `${absent} was not away.\n`,
      );
      return 0;
    }
    const set = await setDelegation(
      deps,
      { absent, delegate: flagValue(flags, '--to') ?? '', until: flagValue(flags, '--until') ?? '' },
      'cli',
    );
    process.stderr.write(`${set.absent} is away until ${set.until}: ${set.delegate} decides for them.\n`);
    return 0;
  } catch (error) {
    if (error instanceof LoopPauseError && error.code === 'invalid_argument') {
      process.stderr.write(`looppause ${command}: ${cliField(error.message, command)}\n`);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

/** The refusal in the CLI's own words: `absent` is `--from`/`--for`, `delegate` is `--to`, `until` is `--until`. */
function cliField(message: string, command: string): string {
  const absentFlag = command === 'delegate' ? '--from' : '--for';
  return message
    .replace(/^absent:/, `${absentFlag}:`)
    .replace(/^delegate:/, '--to:')
    .replace(/^until:/, '--until:');
}

async function loadPolicy(config: Config) {
  if (!config.policyFile) return undefined;
  const { readPolicyFile } = await import('../adapters/policy-file.js');
  const policy = readPolicyFile(config.policyFile);
  return { current: () => policy };
}
