import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TypedScript } from '../../src/store/lua-scripts.js';

const LUA = new URL('../../src/store/lua/', import.meta.url);
const WRAPPERS = new URL('../../src/store/scripts/', import.meta.url);

describe('Lua scripts', () => {
  it('each has one typed wrapper (scripts/<name>.ts), which loads lua/<name>-<numKeys>.lua', async () => {
    const files = readdirSync(LUA)
      .filter((file) => file.endsWith('.lua'))
      .map((file) => file.replace(/-\d+\.lua$/, ''))
      .sort();
    const wrapped: string[] = [];
    for (const file of readdirSync(WRAPPERS).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(new URL(file, WRAPPERS).href)) as Record<string, TypedScript<unknown, unknown>>;
      const scripts = Object.values(module).filter((value) => typeof value?.run === 'function');
      expect(scripts.map((script) => `${script.name}.ts`)).toEqual([file]);
      wrapped.push(...scripts.map((script) => script.name));
    }
    expect(wrapped.sort()).toEqual(files);
  });
});
