import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { eventually } from './eventually.js';
import { freePort, redisServerArgs, waitForPing } from './redis-server.js';

/**
 * Real Redis topologies for the high-availability tests: a primary, a replica and three sentinels
 * (`redis-server --sentinel`), and a three-primary Cluster (`redis-cli --cluster create`), every
 * process on a free port, each killed by its pid.
 */

/** One redis-server process, restartable on the same port and directory. */
export interface RedisProcess {
  port: number;
  readonly pid: number | undefined;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** SIGSTOP: alive, connected and silent, as a server stuck on a slow disk or a lost network is. */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** Starts it again with the same arguments (its data directory and config are kept). */
  restart(): Promise<void>;
}

async function startProcess(args: string[], port: number): Promise<RedisProcess> {
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port);
  };
  await launch();
  return {
    port,
    get pid() {
      return child?.pid;
    },
    kill: async () => {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        current.once('exit', () => resolve());
        current.kill('SIGKILL');
      });
    },
    freeze: () => {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
    },
    thaw: () => {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGCONT');
    },
    restart: launch,
  };
}

function probe(port: number): Redis {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** Runs one command against 127.0.0.1:`port` on a short-lived connection; undefined when it cannot. */
export async function ask(port: number, ...command: [string, ...(string | number)[]]): Promise<unknown> {
  const client = probe(port);
  try {
    await client.connect();
    return await client.call(...command);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

export interface SentinelSet extends FailoverTarget {
  /** `redis+sentinel://…/<name>` for REDIS_URL. */
  url: string;
  name: string;
  /** Both data servers, the first started as the primary. */
  servers: RedisProcess[];
  sentinels: RedisProcess[];
  /** The server the sentinels name as the primary now. */
  primary(): Promise<RedisProcess>;
  stop(): Promise<void>;
}

/**
 * A primary, one replica and three sentinels (quorum 2). A primary is judged down after 1 s of
 * silence, so a failover takes a few seconds; a server restarted after a failover is made a
 * replica of the new primary by the sentinels.
 */
export async function startSentinelSet(name = 'lpmaster'): Promise<SentinelSet> {
  const root = mkdtempSync(join(tmpdir(), 'looppause-sentinel-'));
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const dirs = ['primary', 'replica'].map((d) => mkdtempSync(join(root, `${d}-`)));
  const servers = [
    await startProcess(redisServerArgs(primaryPort, dirs[0] as string), primaryPort),
    await startProcess(
      redisServerArgs(replicaPort, dirs[1] as string, ['--replicaof', '127.0.0.1', String(primaryPort)]),
      replicaPort,
    ),
  ];
  const sentinels: RedisProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const dir = mkdtempSync(join(root, `sentinel${i}-`));
    const file = join(dir, 'sentinel.conf');
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startProcess([file, '--sentinel'], port));
  }
  // Ready when the replica is in sync and every sentinel knows the replica and the two other sentinels.
  await eventually(async () => {
    const info = String((await ask(replicaPort, 'INFO', 'replication')) ?? '');
    if (!info.includes('master_link_status:up')) return undefined;
    for (const sentinel of sentinels) {
      const replicas = (await ask(sentinel.port, 'SENTINEL', 'REPLICAS', name)) as unknown[] | undefined;
      const others = (await ask(sentinel.port, 'SENTINEL', 'SENTINELS', name)) as unknown[] | undefined;
      if (replicas?.length !== 1 || others?.length !== 2) return undefined;
    }
    return true;
  }, 20_000);
  const url = `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`;
  return {
    url,
    name,
    servers,
    sentinels,
    async primary() {
      for (const sentinel of sentinels) {
        const address = (await ask(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | undefined;
        const server = servers.find((s) => String(s.port) === address?.[1]);
        if (server) return server;
      }
      throw new Error('no sentinel names a primary');
    },
    async stop() {
      await Promise.all([...sentinels, ...servers].map((p) => p.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** What a failover test kills: the server that is the primary for the deployment now. */
export interface FailoverTarget {
  primary(): Promise<RedisProcess>;
}

export interface TestCluster extends FailoverTarget {
  /** `redis+cluster://…` for REDIS_URL. */
  url: string;
  nodes: RedisProcess[];
  /** The node the first answering node names as the primary of `slot` (by default the one `primary()` asks of). */
  primaryOf(slot: number): Promise<RedisProcess>;
  stop(): Promise<void>;
}

/**
 * Three primaries sharing the 16,384 slots, each with `replicas` replicas (`--cluster-replicas`),
 * ready when every node says cluster_state:ok and every replica is in sync. A primary is judged
 * failed after 1 s of silence (`cluster-node-timeout`), and its replica takes over; a primary
 * restarted after that rejoins as a replica of the one that took its place. `primary()` names
 * the primary of `slot`.
 */
export async function startCluster(options: { replicas?: number; slot?: number } = {}): Promise<TestCluster> {
  const replicas = options.replicas ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'looppause-cluster-'));
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < 3 * (1 + replicas); i++) {
    const port = await freePort();
    const dir = mkdtempSync(join(root, `node${i}-`));
    nodes.push(
      await startProcess(
        redisServerArgs(port, dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-node-timeout',
          '1000',
        ]),
        port,
      ),
    );
  }
  await promisify(execFile)('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  await eventually(async () => {
    for (const node of nodes) {
      if (!String((await ask(node.port, 'CLUSTER', 'INFO')) ?? '').includes('cluster_state:ok')) return undefined;
      const replication = String((await ask(node.port, 'INFO', 'replication')) ?? '');
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return undefined;
    }
    return true;
  }, 30_000);
  const primaryOf = async (slot: number): Promise<RedisProcess> => {
    for (const node of nodes) {
      const ranges = (await ask(node.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][] | undefined;
      const range = ranges?.find(([start, end]) => start <= slot && slot <= end);
      const owner = nodes.find((n) => n.port === Number(range?.[2][1]));
      if (owner) return owner;
    }
    throw new Error(`no node names a primary for slot ${slot}`);
  };
  return {
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    primaryOf,
    primary: () => primaryOf(options.slot ?? 0),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
