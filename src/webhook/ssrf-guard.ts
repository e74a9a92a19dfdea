import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to every address it has (dns.lookup with `all`); injected in tests. */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface GuardOptions {
  /** LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: loopback and private addresses allowed (local receivers, tests). */
  allowPrivate: boolean;
  /** Production wants https, unless private addresses are allowed. */
  requireHttps: boolean;
  resolve?: Resolver;
}

/**
 * Cloud metadata and credential services: refused even when private addresses are allowed; no
 * receiver lives there. All of IPv4 link-local (AWS, GCP and Azure metadata, the ECS and EKS
 * credential agents at 169.254.170.x), AWS's fd00:ec2::/32, Alibaba's and Oracle's.
 */
const METADATA = new BlockList();
METADATA.addSubnet('169.254.0.0', 16, 'ipv4');
METADATA.addAddress('100.100.100.200', 'ipv4');
METADATA.addAddress('192.0.0.192', 'ipv4');
METADATA.addSubnet('fd00:ec2::', 32, 'ipv6');

/** Not the public internet: loopback, private, link-local, CGNAT, unspecified, multicast, reserved. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (and metadata)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fe80::', 10], // link-local
  ['fc00::', 7], // unique local (fd00:ec2::254 too)
  ['ff00::', 8], // multicast
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/**
 * IPv6 outside these is refused: only global unicast (2000::/3) reaches the public internet, and
 * within it 6to4 (2002::/16) and Teredo (2001::/32) carry IPv4 addresses of any kind. This also
 * refuses IPv4-compatible (::a.b.c.d), SIIT (::ffff:0:a.b.c.d), local-use NAT64 (64:ff9b:1::/48)
 * and site-local (fec0::/10) forms, which a network may route inside.
 */
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');
const TUNNELS_V6 = new BlockList();
TUNNELS_V6.addSubnet('2002::', 16, 'ipv6');
TUNNELS_V6.addSubnet('2001::', 32, 'ipv6');

/** The 8 groups of an IPv6 address (a trailing dotted quad becomes the last two), or undefined. */
function groupsOf(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (side: string) => (side === '' ? [] : side.split(':').map((group) => Number.parseInt(group, 16)));
  const front = part(head);
  const back = tail === undefined ? [] : part(tail);
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 ? groups : undefined;
}

const v4 = (high: number, low: number) => [high >>> 8, high & 255, low >>> 8, low & 255].join('.');

/**
 * The IPv4 addresses an IPv6 one carries, in every form a network may route to them: mapped
 * (::ffff:a.b.c.d), compatible (::a.b.c.d), SIIT (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96 and
 * 64:ff9b:1::/48), 6to4 (2002:AABB:CCDD::) and Teredo (2001:0::, the client address inverted).
 */
export function embeddedIpv4(address: string): string[] {
  const g = groupsOf(address);
  if (!g) return [];
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const found: string[] = [];
  const zeros = (...groups: number[]) => groups.every((x) => x === 0);
  if (zeros(g0, g1, g2, g3, g4) && (g5 === 0xffff || g5 === 0)) found.push(v4(g6, g7));
  if (zeros(g0, g1, g2, g3) && g4 === 0xffff && g5 === 0) found.push(v4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && (g2 === 0 || g2 === 1)) found.push(v4(g6, g7));
  if (g0 === 0x2002) found.push(v4(g1, g2));
  if (g0 === 0x2001 && g1 === 0) found.push(v4(g6 ^ 0xffff, g7 ^ 0xffff));
  return found;
}

/** A mapped (::ffff:a.b.c.d) or well-known NAT64 (64:ff9b::a.b.c.d) address reaches that IPv4 address. */
function translatedIpv4(address: string): string | undefined {
  const g = groupsOf(address);
  if (!g) return undefined;
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  return mapped || nat64 ? v4(g[6] as number, g[7] as number) : undefined;
}

/**
 * Why an address may not receive webhooks, as what it is ("a cloud metadata address"), or
 * undefined when it may. The caller names the address: "… resolves to 10.0.0.7, a loopback, …".
 */
export function refusalFor(address: string, allowPrivate: boolean): string | undefined {
  const translated = translatedIpv4(address);
  if (translated !== undefined) return refusalFor(translated, allowPrivate);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const carried = family === 'ipv6' ? embeddedIpv4(address) : [];
  const metadata = METADATA.check(address, family) || carried.some((ip) => METADATA.check(ip, 'ipv4'));
  if (metadata) return 'a cloud metadata address';
  if (allowPrivate) return undefined;
  const outsideGlobalV6 = family === 'ipv6' && (!GLOBAL_V6.check(address, 'ipv6') || TUNNELS_V6.check(address, 'ipv6'));
  if (PRIVATE.check(address, family) || outsideGlobalV6 || carried.some((ip) => PRIVATE.check(ip, 'ipv4'))) {
    return 'a loopback, private, link-local or reserved address (set LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE=true to allow it)';
  }
  return undefined;
}

export class UrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefused';
  }
}

/** The URL's own rules, before any lookup: http(s) only, https in production, no credentials, a host. */
export function checkUrlShape(raw: string, options: Pick<GuardOptions, 'allowPrivate' | 'requireHttps'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused('must be an http(s) URL');
  if (url.protocol === 'http:' && options.requireHttps && !options.allowPrivate) {
    throw new UrlRefused('must be an https URL in production');
  }
  if (url.username !== '' || url.password !== '') throw new UrlRefused('must not carry credentials (user:password@)');
  if (url.hostname === '') throw new UrlRefused('must name a host');
  return url;
}

/**
 * Resolves the URL's host and checks every address it has (one bad address refuses the URL: a
 * resolver may answer with either). Returns the address to connect to, so nothing resolves the
 * name again between the check and the connection (DNS rebinding).
 */
export async function vetUrl(
  raw: string,
  options: GuardOptions,
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  const url = checkUrlShape(raw, options);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new UrlRefused(`its host ${host} does not resolve${code ? ` (${code})` : ''}`);
    }
  }
  if (addresses.length === 0) throw new UrlRefused(`its host ${host} does not resolve`);
  for (const { address } of addresses) {
    const refusal = refusalFor(address, options.allowPrivate);
    if (!refusal) continue;
    // "its host localhost resolves to 127.0.0.1, a loopback, …"; an address given as the host is one itself.
    throw new UrlRefused(
      isIP(host) ? `its host ${host} is ${refusal}` : `its host ${host} resolves to ${address}, ${refusal}`,
    );
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
