import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { secretsEqual, sha256Hex } from '../domain/hash.js';
import { nonceOf, pageHeaders } from '../http/page-headers.js';

/** Session cookie: HttpOnly, SameSite=Lax, only under /dashboard; Secure when PUBLIC_URL is https. */
export const SESSION_COOKIE = 'lp_dash';
/** Before sign-in: the double-submit cookie behind the sign-in form's CSRF token. */
export const PRE_COOKIE = 'lp_dash_pre';

function cookieOptions(publicUrl: string, maxAgeMs?: number): string {
  const parts = ['Path=/dashboard', 'HttpOnly', 'SameSite=Lax'];
  if (publicUrl.startsWith('https:')) parts.push('Secure');
  if (maxAgeMs !== undefined) parts.push(`Max-Age=${Math.floor(maxAgeMs / 1000)}`);
  return parts.join('; ');
}

export function setCookie(res: Response, name: string, value: string, publicUrl: string, maxAgeMs?: number): void {
  res.append('Set-Cookie', `${name}=${value}; ${cookieOptions(publicUrl, maxAgeMs)}`);
}

export function clearCookie(res: Response, name: string, publicUrl: string): void {
  res.append('Set-Cookie', `${name}=; ${cookieOptions(publicUrl, 0)}`);
}

/** A cookie's value: only base64url text is accepted, anything else reads as absent. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** Store keys for link tokens and session ids: the secret itself is never stored. */
export function secretHash(secret: string): string {
  return sha256Hex(secret);
}

/** base64url of 32 random bytes: link tokens, session ids and CSRF secrets. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** HMAC under the dashboard's own key (derived from the signing secret, so every replica agrees). */
export function dashboardKey(signingSecret: string | undefined): Buffer {
  if (signingSecret === undefined) return randomBytes(32);
  return createHmac('sha256', signingSecret).update('looppause-dashboard').digest();
}

export function mac(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${value}`).digest('base64url');
}

/** Constant-time comparison of a form's token with the expected one; anything not a string fails. */
export function tokenMatches(given: unknown, expected: string): boolean {
  return typeof given === 'string' && given.length > 0 && given.length <= 256 && secretsEqual(given, expected);
}

export const securityHeaders = pageHeaders({ scripts: true });

export { nonceOf };
