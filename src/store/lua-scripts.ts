import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-clients.js';
import type { RedisContext } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import { pin, requireReplicas, wantsReplicas } from './replica-barrier.js';

/**
 * The Lua scripts, one typed wrapper each (scripts/<name>.ts, through `defineScript`): the wrapper
 * builds the script's KEYS and ARGV from named input, in the order of the header of
 * `lua/<name>-<numKeys>.lua`, and types its reply. `-- @include <file>` lines are expanded from
 * `lua/includes/`; scripts run by SHA, falling back to EVAL after a Redis restart (NOSCRIPT).
 */
export interface LuaScript {
  name: string;
  numKeys: number;
  source: string;
  sha: string;
}

const LUA_DIR = new URL('./lua/', import.meta.url);

export type ScriptArg = string | number;

/** Exactly `N` keys (`[…] as const`), so a wrapper cannot pass more or fewer than its file name says. */
export type ScriptKeys<N extends number, K extends string[] = []> = K['length'] extends N
  ? Readonly<K>
  : ScriptKeys<N, [...K, string]>;

export interface ScriptSpec<N extends number, Input, Reply> {
  /** `lua/<name>-<numKeys>.lua`. */
  name: string;
  numKeys: N;
  keys(k: RedisKeys, input: Input): ScriptKeys<N>;
  args(k: RedisKeys, input: Input): ScriptArg[];
  /** The script's reply, typed (Redis returns integers, strings, arrays of them, or null). */
  reply(raw: unknown): Reply;
  /**
   * The script decides something a human or an agent is told about (a decision, a vote, a
   * redeemed receipt, an audit seal): when the context asks for replicas, it is not answered
   * before that many hold it (`unavailable` if they do not in time; the step itself is whole).
   * A function says so per reply (a claim that leased nothing needs no replica).
   */
  durable?: boolean | ((reply: Reply) => boolean);
}

export interface TypedScript<Input, Reply> {
  readonly name: string;
  run(context: RedisContext, input: Input): Promise<Reply>;
}

/** A script's typed wrapper; its file is read (includes expanded) once, here. */
export function defineScript<N extends number, Input, Reply>(
  spec: ScriptSpec<N, Input, Reply>,
): TypedScript<Input, Reply> {
  const script = loadScript(spec.name, spec.numKeys);
  return {
    name: spec.name,
    async run(context, input) {
      const { redis, keys } = context;
      const scriptKeys: readonly string[] = spec.keys(keys, input);
      const args = spec.args(keys, input);
      if (spec.durable === undefined || !wantsReplicas(context)) {
        return spec.reply(await evalScript(redis, script, scriptKeys, args));
      }
      // The script and its WAIT on one pinned connection (replica-barrier.ts): WAIT counts that
      // connection's writes only.
      const pinned = pin(context);
      const reply = spec.reply(await evalScript(pinned.client, script, scriptKeys, args));
      const durable = typeof spec.durable === 'function' ? spec.durable(reply) : spec.durable;
      if (durable) await requireReplicas(context, pinned);
      return reply;
    },
  };
}

function loadScript(name: string, numKeys: number, dir: URL = LUA_DIR): LuaScript {
  const source = readFileSync(new URL(`${name}-${numKeys}.lua`, dir), 'utf8').replace(
    /^-- @include (\S+)$/gm,
    (_line, include) => readFileSync(new URL(`includes/${include}.lua`, dir), 'utf8'),
  );
  return { name, numKeys, source, sha: createHash('sha1').update(source).digest('hex') };
}

async function evalScript(
  redis: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: ScriptArg[],
): Promise<unknown> {
  if (keys.length !== script.numKeys)
    throw new Error(`${script.name} takes ${script.numKeys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(script.sha, script.numKeys, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.source, script.numKeys, ...keys, ...args);
  }
}

/** Replies: an integer. */
export const asNumber = (raw: unknown): number => Number(raw);
/** Replies: a flat array of strings (field, value, … or id, outcome, …). */
export const asStrings = (raw: unknown): string[] => (raw as unknown[]).map(String);
