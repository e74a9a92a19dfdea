import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  port: number;
  /** Set when this helper started the server (not when REDIS_URL was given). */
  pid?: number;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory (AOF on). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'Redis is needed for these tests: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
  'so that redis-server is on PATH, or set REDIS_URL to a server the tests may use.';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A real redis-server on a free port, killed by pid on stop; or the server in REDIS_URL. */
export async function startRedis(options: { extraArgs?: string[] } = {}): Promise<TestRedis> {
  const external = process.env.REDIS_URL;
  if (external) {
    return {
      url: external,
      port: Number(new URL(external).port || 6379),
      kill: unsupported,
      restart: unsupported,
      stop: async () => {},
    };
  }
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(INSTALL_HINT);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'looppause-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', redisServerArgs(port, dir, options.extraArgs), { stdio: 'ignore' });
    await waitForPing(port);
  };
  await launch();
  const url = `redis://127.0.0.1:${port}`;
  const killNow = async (signal: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill(signal);
    });
  };
  const handle: TestRedis = {
    url,
    port,
    get pid() {
      return child?.pid;
    },
    kill: () => killNow('SIGKILL'),
    restart: launch,
    stop: async () => {
      await killNow('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A test server's arguments: loopback only, no RDB, an AOF fsynced on every write, in `dir`. */
export function redisServerArgs(port: number, dir: string, extra: readonly string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--dir',
    dir,
    ...extra,
  ];
}

/** Until the server on `port` answers PING (10 s at most). */
export async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function unsupported(): Promise<void> {
  throw new Error('not possible with an external REDIS_URL');
}

/** A key prefix no other test uses, so tests share one server safely. */
export function randomPrefix(): string {
  return `lpt-${Math.random().toString(36).slice(2, 10)}`;
}
