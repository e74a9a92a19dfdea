import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
}

export interface InstalledPackage {
  /** The folder the package was installed into, as a user's project. */
  appDir: string;
  /** Paths inside the tarball, as `npm pack` listed them. */
  files: string[];
  /** What the install put in node_modules: the app's package-lock.json, by path (`node_modules/zod`). */
  installed: Record<string, LockEntry>;
  bin(name: 'looppause' | 'looppause-mcp'): string;
}

/**
 * `npm pack` this checkout, or one of its workspaces (`packages/mcp`), then
 * `npm install ./name-x.y.z.tgz` into an empty folder, from the npm cache where it can.
 */
export async function packAndInstall(workspace?: string): Promise<InstalledPackage> {
  const dir = await mkdtemp(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'looppause-pack-'));
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--pack-destination', dir, ...(workspace ? ['--workspace', workspace] : [])],
    { cwd: ROOT },
  );
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack printed nothing');
  const appDir = join(dir, 'app');
  await mkdir(appDir);
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', join(dir, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: appDir,
  });
  const lock = JSON.parse(await readFile(join(appDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const { '': _app, ...installed } = lock.packages;
  return {
    appDir,
    files: packed.files.map((f) => f.path),
    installed,
    bin: (name) => join(appDir, 'node_modules', '.bin', name),
  };
}
