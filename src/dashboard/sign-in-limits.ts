import { isIP } from 'node:net';
import type { RateLimits } from '../store/ports/rate-limits.js';
import { secretHash } from './security.js';

/** The window every sign-in link limit counts in. */
export const LINK_WINDOW_MS = 15 * 60_000;
/** Links one place may ask for, whatever the addresses: past it, 429. */
export const LINKS_PER_PLACE = 30;
/** Links one address is sent at the asking of one place. */
export const LINKS_PER_ADDRESS_AND_PLACE = 5;
/** Asks for one address, from anywhere, past which each further place gets its first link only. */
export const CROWD_PER_ADDRESS = 20;

/** Asks counted in the current window, this one included. */
export interface LinkAsks {
  /** For this address from this place. */
  fromHere: number;
  /** For this address from anywhere. */
  forAddress: number;
}

/**
 * Whether this ask mails a link. Nobody can stop another place's first ask: when many places ask
 * for one address (more than CROWD_PER_ADDRESS asks in a window) each place still gets the first
 * link it asks for, and only its further asks are quiet. So no crowd of askers can keep a link from
 * its owner, while what they can make the owner receive is bounded by how many places they hold;
 * every link sent still works for its 15 minutes.
 */
export function mailsLink(asks: LinkAsks): boolean {
  if (asks.fromHere > LINKS_PER_ADDRESS_AND_PLACE) return false;
  return asks.forAddress <= CROWD_PER_ADDRESS || asks.fromHere === 1;
}

/**
 * Where an ask comes from, for counting: the IPv4 address, or the /64 of an IPv6 one (one host
 * often holds a whole /64, so counting its addresses one by one would give it millions of places).
 */
export function placeOf(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  if (mapped) return mapped;
  const address = ip.split('%')[0] ?? '';
  if (isIP(address) !== 6) return ip;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted quad stands for two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Counts one ask for a link to `email` from `ip`: `refused` when this place asked for too many
 * (answer 429 after `retryAfterMs`), else whether a link goes out (mailsLink).
 */
export async function countLinkAsk(
  store: RateLimits,
  email: string,
  ip: string,
  nowMs: number,
): Promise<{ outcome: 'refused'; retryAfterMs: number } | { outcome: 'send' | 'quiet' }> {
  const place = placeOf(ip);
  const byPlace = await store.hitRateLimit(`dashboard-link:ip:${place}`, LINKS_PER_PLACE, LINK_WINDOW_MS, nowMs);
  if (!byPlace.allowed) return { outcome: 'refused', retryAfterMs: byPlace.retryAfterMs };
  const fromHere = await store.hitRateLimit(
    `dashboard-link:email-ip:${secretHash(`${email}\n${place}`)}`,
    LINKS_PER_ADDRESS_AND_PLACE,
    LINK_WINDOW_MS,
    nowMs,
  );
  const forAddress = await store.hitRateLimit(
    `dashboard-link:email:${secretHash(email)}`,
    CROWD_PER_ADDRESS,
    LINK_WINDOW_MS,
    nowMs,
  );
  return { outcome: mailsLink({ fromHere: fromHere.hits, forAddress: forAddress.hits }) ? 'send' : 'quiet' };
}
