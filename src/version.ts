import { readFileSync } from 'node:fs';

/**
 * The package version, read once from package.json: two levels up from src/ and dist/src/ of
 * `looppause`, one level up from dist/ of `@looppause/mcp`, which compiles this file too.
 */
function readVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if ((pkg.name === 'looppause' || pkg.name === '@looppause/mcp') && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
