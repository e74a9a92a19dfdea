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

/** Cloud metadata services: refused even when private addresses are allowed; no receiver lives there. */
const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4');
METADATA.addAddress('169.254.170.2', 'ipv4');
METADATA.addAddress('100.100.100.200', 'ipv4');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

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

/** An IPv4 address hidden in an IPv6 one (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is judged as IPv4. */
function unwrap(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const v6 = address.toLowerCase();
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(v6)?.[1];
  if (embedded) return { address: embedded, family: 'ipv4' };
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (hex?.[1] && hex[2]) {
    const n = (Number.parseInt(hex[1], 16) << 16) | Number.parseInt(hex[2], 16);
    return { address: [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.'), family: 'ipv4' };
  }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why an address may not receive webhooks, or undefined when it may. */
export function refusalFor(address: string, allowPrivate: boolean): string | undefined {
  const { address: ip, family } = unwrap(address);
  if (METADATA.check(ip, family)) return `${address} is a cloud metadata address`;
  const outsideGlobalV6 = family === 'ipv6' && (!GLOBAL_V6.check(ip, 'ipv6') || TUNNELS_V6.check(ip, 'ipv6'));
  if (!allowPrivate && (PRIVATE.check(ip, family) || outsideGlobalV6)) {
    return `${address} is a loopback, private, link-local or reserved address (set LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE=true to allow it)`;
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
    if (refusal) throw new UrlRefused(`its host ${host} resolves to ${refusal}`);
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
