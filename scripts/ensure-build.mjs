// `npm start` runs this first: build when dist/ is missing or older than any source file.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const marker = join(root, 'dist/src/cli/looppause.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const stale =
  process.argv.includes('--force') ||
  !existsSync(marker) ||
  statSync(marker).mtimeMs < Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);

if (stale) {
  process.stderr.write('looppause: building…\n');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
}
// Lua scripts and page assets are not TypeScript: copy them beside the compiled store.
cpSync(join(root, 'src/store/lua'), join(root, 'dist/src/store/lua'), { recursive: true });
// tsc writes the bins without the exec bit that npm gave them when it linked them: restore it, so
// `npx looppause` in the checkout keeps working after a rebuild.
for (const bin of ['dist/src/cli/looppause.js', 'dist/src/cli/looppause-mcp.js']) {
  if (existsSync(join(root, bin))) chmodSync(join(root, bin), 0o755);
}
