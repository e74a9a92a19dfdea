import type { DashboardSession, DashboardSessions, SignInToken } from './ports/sessions.js';

interface Expiring<T> {
  value: T;
  until: number;
}

/** MemorySessionStore's state as plain data (memory-snapshot.ts). */
export interface MemorySessionsState {
  tokens: [string, Expiring<SignInToken>][];
  sessions: [string, Expiring<DashboardSession>][];
  latestNowMs: number | null;
}

/** Entries kept before a write sweeps out the expired ones. */
const SWEEP_AT = 10_000;

/**
 * Dashboard links and sessions for the embedded memory store (one process). It reads no clock of
 * its own: what has expired is judged by the `nowMs` callers give, as on Redis; putting a link,
 * which comes with no time, sweeps by the latest time a caller gave.
 */
export class MemorySessionStore implements DashboardSessions {
  private readonly tokens = new Map<string, Expiring<SignInToken>>();
  private readonly sessions = new Map<string, Expiring<DashboardSession>>();
  private latestNowMs = Number.NEGATIVE_INFINITY;

  async putSignInToken(tokenHash: string, token: SignInToken, expiresAtMs: number): Promise<void> {
    sweep(this.tokens, this.latestNowMs);
    this.tokens.set(tokenHash, { value: { ...token }, until: expiresAtMs });
  }

  async takeSignInToken(tokenHash: string, nowMs: number): Promise<SignInToken | null> {
    this.seen(nowMs);
    const entry = this.tokens.get(tokenHash);
    this.tokens.delete(tokenHash);
    return entry && entry.until > nowMs ? { ...entry.value } : null;
  }

  async putSession(idHash: string, session: DashboardSession, idleMs: number, nowMs: number): Promise<void> {
    this.seen(nowMs);
    sweep(this.sessions, nowMs);
    this.sessions.set(idHash, { value: { ...session }, until: nowMs + idleMs });
  }

  async touchSession(idHash: string, idleMs: number, nowMs: number): Promise<DashboardSession | null> {
    this.seen(nowMs);
    const entry = this.sessions.get(idHash);
    if (!entry) return null;
    if (entry.until <= nowMs) {
      this.sessions.delete(idHash);
      return null;
    }
    entry.until = nowMs + idleMs;
    return { ...entry.value };
  }

  async deleteSession(idHash: string): Promise<void> {
    this.sessions.delete(idHash);
  }

  /** Both maps as plain data; `latestNowMs` is null until a caller gave a time. */
  snapshot(): MemorySessionsState {
    return structuredClone({
      tokens: [...this.tokens],
      sessions: [...this.sessions],
      latestNowMs: Number.isFinite(this.latestNowMs) ? this.latestNowMs : null,
    });
  }

  /** Loads a snapshot into a fresh store. */
  restore(state: MemorySessionsState): void {
    const s = structuredClone(state);
    for (const [hash, entry] of s.tokens) this.tokens.set(hash, entry);
    for (const [hash, entry] of s.sessions) this.sessions.set(hash, entry);
    this.latestNowMs = s.latestNowMs ?? Number.NEGATIVE_INFINITY;
  }

  private seen(nowMs: number): void {
    if (nowMs > this.latestNowMs) this.latestNowMs = nowMs;
  }
}

function sweep<T>(map: Map<string, Expiring<T>>, nowMs: number): void {
  if (map.size < SWEEP_AT) return;
  for (const [key, entry] of map) if (entry.until <= nowMs) map.delete(key);
}
