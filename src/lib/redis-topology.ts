/**
 * What `REDIS_URL` names: one server, a Sentinel set watching a primary, or a Redis Cluster.
 *
 * - `redis://…` / `rediss://…`: one server (ioredis reads the URL itself).
 * - `redis+sentinel://[user:password@]host1:26379,host2:26379/<primary name>[/<db>]`: the sentinels
 *   to ask where the primary is; the credentials are the primary's and its replicas'. Sentinels that
 *   need their own password take `?sentinel_password=` (and `sentinel_username=`).
 * - `redis+cluster://[user:password@]host1:7000,host2:7001`: any of the cluster's nodes (the rest
 *   are discovered); a cluster has only database 0.
 *
 * `rediss+sentinel://` and `rediss+cluster://` speak TLS to every node (and to the sentinels).
 * Errors never repeat the URL: it may hold a password.
 */
export interface RedisHost {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
}

export type RedisTopology =
  | { kind: 'single'; url: string }
  | ({
      kind: 'sentinel';
      sentinels: RedisHost[];
      name: string;
      db: number;
      tls: boolean;
      sentinelUsername?: string;
      sentinelPassword?: string;
    } & Credentials)
  | ({ kind: 'cluster'; nodes: RedisHost[]; tls: boolean } & Credentials);

export type TopologyResult = { ok: true; topology: RedisTopology } | { ok: false; error: string };

const FORMS =
  'redis://host:6379, rediss://…, redis+sentinel://host1:26379,host2:26379/<primary name> or redis+cluster://host1:7000,host2:7001';

const HA_URL = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;
const NAME = /^[A-Za-z0-9._-]{1,128}$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/;

export function parseRedisUrl(text: string): TopologyResult {
  const ha = HA_URL.exec(text);
  if (!ha) return single(text);
  const [, scheme, kind, userinfo, hostList = '', path = '', query = ''] = ha;
  const tls = scheme === 'rediss';
  const defaultPort = kind === 'sentinel' ? 26379 : 6379;
  const hosts = parseHosts(hostList, defaultPort);
  if (typeof hosts === 'string') return { ok: false, error: hosts };
  const credentials = parseUserinfo(userinfo);
  if (typeof credentials === 'string') return { ok: false, error: credentials };
  const params = parseQuery(query, kind === 'sentinel' ? ['sentinel_password', 'sentinel_username'] : []);
  if (typeof params === 'string') return { ok: false, error: params };
  const segments = path.split('/').filter((s) => s !== '');
  if (kind === 'cluster') {
    if (segments.length > 1 || (segments.length === 1 && segments[0] !== '0'))
      return {
        ok: false,
        error: 'a Redis Cluster has only database 0: leave the path out (redis+cluster://host:port)',
      };
    return { ok: true, topology: { kind: 'cluster', nodes: hosts, tls, ...credentials } };
  }
  const [name, dbText, ...extra] = segments;
  if (name === undefined || !NAME.test(decode(name) ?? ''))
    return {
      ok: false,
      error:
        'must name the primary the sentinels watch after the hosts: redis+sentinel://host1:26379,host2:26379/mymaster',
    };
  if (extra.length > 0 || (dbText !== undefined && !/^\d{1,2}$/.test(dbText)))
    return { ok: false, error: 'after the primary name only a database number may follow (…/mymaster/0)' };
  return {
    ok: true,
    topology: {
      kind: 'sentinel',
      sentinels: hosts,
      name: decode(name) as string,
      db: Number(dbText ?? 0),
      tls,
      ...credentials,
      ...(params.sentinel_username !== undefined ? { sentinelUsername: params.sentinel_username } : {}),
      ...(params.sentinel_password !== undefined ? { sentinelPassword: params.sentinel_password } : {}),
    },
  };
}

function single(text: string): TopologyResult {
  try {
    const url = new URL(text);
    if (url.protocol === 'redis:' || url.protocol === 'rediss:') {
      if (url.hostname === '') return { ok: false, error: `must name a host (${FORMS})` };
      return { ok: true, topology: { kind: 'single', url: text } };
    }
  } catch {
    // Not a URL at all: the same message as a wrong scheme.
  }
  return { ok: false, error: `must be a Redis URL: ${FORMS}` };
}

function parseHosts(list: string, defaultPort: number): RedisHost[] | string {
  const entries = list.split(',').map((e) => e.trim());
  if (list.trim() === '' || entries.some((e) => e === ''))
    return 'must list its hosts, comma-separated (host1:port,host2:port)';
  const hosts: RedisHost[] = [];
  for (const [i, entry] of entries.entries()) {
    const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(entry);
    const host = match?.[1] ?? '';
    const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
    if (!match || !HOST.test(host) || port < 1 || port > 65535)
      return `host ${i + 1} of ${entries.length} must be host or host:port (port 1–65535)`;
    hosts.push({ host: host.startsWith('[') ? host.slice(1, -1) : host, port });
  }
  if (hosts.length > 64) return 'lists more than 64 hosts';
  return hosts;
}

function parseUserinfo(userinfo: string | undefined): Credentials | string {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1));
  if (username === undefined || (colon !== -1 && password === undefined))
    return 'has a badly percent-encoded user name or password';
  // As ioredis reads one server's URL: `user@host` is a user name alone, `:password@host` a password alone.
  return { ...(username !== '' ? { username } : {}), ...(password !== '' ? { password } : {}) };
}

function parseQuery(query: string, allowed: string[]): Record<string, string> | string {
  const params: Record<string, string> = {};
  if (query === '') return params;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    if (!allowed.includes(key))
      return allowed.length === 0
        ? 'takes no query parameters'
        : `takes only the query parameters ${allowed.join(', ')} (not "${key.slice(0, 40).replace(/[^\w-]/g, '?')}")`;
    if (value === undefined) return `has a badly percent-encoded ${key}`;
    params[key] = value;
  }
  return params;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** How a topology reads in logs and the banner: hosts and the primary's name, never a password. */
export function describeTopology(topology: RedisTopology): string {
  const list = (hosts: RedisHost[]) => hosts.map((h) => `${h.host}:${h.port}`).join(',');
  if (topology.kind === 'sentinel') return `sentinel ${list(topology.sentinels)} primary ${topology.name}`;
  if (topology.kind === 'cluster') return `cluster ${list(topology.nodes)}`;
  return 'single server';
}
