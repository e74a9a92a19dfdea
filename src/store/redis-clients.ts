import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTopology } from '../lib/redis-topology.js';

/** A command client: one server or a Sentinel-found primary (`Redis`), or a Redis Cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

/**
 * A client for `topology` with `options` (timeouts, retries) for every connection it makes. On a
 * Sentinel set ioredis asks the sentinels where the primary is, and again after each disconnect,
 * so a failover lands on the promoted replica; a Cluster client follows MOVED and refreshes its
 * slot map when a primary fails over.
 */
export function createRedisClient(topology: RedisTopology, options: RedisOptions = {}): RedisClient {
  if (topology.kind === 'single') return new Redis(topology.url, options);
  const credentials = {
    ...(topology.username !== undefined ? { username: topology.username } : {}),
    ...(topology.password !== undefined ? { password: topology.password } : {}),
  };
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...options,
      ...credentials,
      sentinels: topology.sentinels,
      name: topology.name,
      db: topology.db,
      role: 'master',
      // A demoted primary that still answers is never written to: ask the sentinels again.
      failoverDetector: true,
      ...(topology.sentinelUsername !== undefined ? { sentinelUsername: topology.sentinelUsername } : {}),
      ...(topology.sentinelPassword !== undefined ? { sentinelPassword: topology.sentinelPassword } : {}),
      ...(topology.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      // A sentinel that does not answer within a second is skipped; the next is asked.
      sentinelCommandTimeout: 1000,
    });
  }
  return new Cluster(topology.nodes, {
    redisOptions: { ...options, ...credentials, ...(topology.tls ? { tls: {} } : {}) },
    // A command to a failed primary is retried (at most 16 redirections) while the slot map is refreshed.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 2000,
    // Reads go to primaries: a replica may trail a decision just written.
    scaleReads: 'master',
  });
}

/** The topology of a URL that config.ts has already checked. */
export function topologyOf(url: string): RedisTopology {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(`REDIS_URL: ${parsed.error}`);
  return parsed.topology;
}

/** A key's Cluster slot: CRC16 (XMODEM) of its hash tag, or of the whole key when it has none, mod 16384. */
export function slotOf(key: string): number {
  const bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  const close = open === -1 ? -1 : bytes.indexOf(0x7d, open + 1);
  const tagged = open !== -1 && close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  let crc = 0;
  for (const byte of tagged) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
