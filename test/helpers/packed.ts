import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

export interface InstalledPackage {
  /** The folder the package was installed into, as a user's project. */
  appDir: string;
  /** Paths inside the tarball, as `npm pack` listed them. */
  files: string[];
  bin(name: 'looppause' | 'looppause-mcp'): string;
}

/** `npm pack` this checkout, then `npm install ./looppause-x.y.z.tgz` into an empty folder. */
export async function packAndInstall(): Promise<InstalledPackage> {
  const dir = await mkdtemp(join(tmpdir(), 'looppause-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack printed nothing');
  const appDir = join(dir, 'app');
  await mkdir(appDir);
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', join(dir, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: appDir,
  });
  return {
    appDir,
    files: packed.files.map((f) => f.path),
    bin: (name) => join(appDir, 'node_modules', '.bin', name),
  };
}
