import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Loads `lua/<name>-<numKeys>.lua`, expanding `-- @include <file>` lines from `lua/includes/`,
 * and runs them by SHA with a fallback to EVAL after a Redis restart (NOSCRIPT).
 */
export interface LuaScript {
  name: string;
  numKeys: number;
  source: string;
  sha: string;
}

const LUA_DIR = new URL('./lua/', import.meta.url);

function loadScripts(dir: URL = LUA_DIR): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(dir)) {
    const match = /^(.+)-(\d+)\.lua$/.exec(file);
    if (!match?.[1] || !match[2]) continue;
    const source = readFileSync(new URL(file, dir), 'utf8').replace(/^-- @include (\S+)$/gm, (_line, include) =>
      readFileSync(new URL(`includes/${include}.lua`, dir), 'utf8'),
    );
    scripts.set(match[1], {
      name: match[1],
      numKeys: Number(match[2]),
      source,
      sha: createHash('sha1').update(source).digest('hex'),
    });
  }
  return scripts;
}

export class ScriptRunner {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Map<string, LuaScript> = loadScripts(),
  ) {}

  async run<T>(name: string, keys: string[], args: (string | number)[]): Promise<T> {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`unknown Lua script ${name}`);
    if (keys.length !== script.numKeys) throw new Error(`${name} takes ${script.numKeys} keys, got ${keys.length}`);
    try {
      return (await this.redis.evalsha(script.sha, script.numKeys, ...keys, ...args)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(script.source, script.numKeys, ...keys, ...args)) as T;
    }
  }
}
