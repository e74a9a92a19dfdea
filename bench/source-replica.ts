// Spawns `looppause serve` from a source tree (tsx) in production mode on a free port; benchmarks only.
// The figures do not wait on a build of the whole tree; a loaded machine may take a while to start it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../test/helpers/redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../test/helpers/service.js';
import type { Replica } from './replica.js';

const root = new URL('..', import.meta.url).pathname;

/** `tree` is this checkout unless given (e.g. a git worktree of an older commit to compare against). */
export async function spawnSourceReplica(env: Record<string, string>, tree = root): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(tree, 'src/cli/looppause.ts'), 'serve'], {
    cwd: tree,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOOPPAUSE_API_KEYS: `bench:${TEST_API_KEY}`,
      LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1800; i++) {
    if (child.exitCode !== null) throw new Error(`the service from ${tree} exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the service from ${tree} did not start`);
}
