/** A one-time sign-in link, as the store keeps it under the link token's hash. */
export interface SignInToken {
  /** The address (lower case) the link was sent to: who signs in with it. */
  email: string;
  /** The Slack user who asked for it with `/looppause login`, when it came from Slack. */
  slack?: string;
}

/** A dashboard session, kept server-side under the session id's hash. */
export interface DashboardSession {
  /** The signed-in human's e-mail address (lower case). */
  email: string;
  /** Their Slack user id, when they signed in from Slack (`/looppause login`). */
  slack?: string;
  /** The per-session secret CSRF tokens are derived from (base64url, 256 bits). */
  csrf: string;
  /** When the session began (ms): sessions also end at an absolute age, whatever their use. */
  created_at: number;
}

/**
 * Dashboard sign-in links and sessions. Only hashes of the link tokens and session ids
 * are keys here: a leaked store holds no working link and no live session cookie.
 */
export interface DashboardSessions {
  putSignInToken(tokenHash: string, token: SignInToken, expiresAtMs: number): Promise<void>;
  /** Single use: the first call returns the token and removes it, atomically; null once used, expired or unknown. */
  takeSignInToken(tokenHash: string, nowMs: number): Promise<SignInToken | null>;
  /** Stores a session that lives `idleMs` past its last use. */
  putSession(idHash: string, session: DashboardSession, idleMs: number, nowMs: number): Promise<void>;
  /** The session, its idle expiry pushed back `idleMs` from now (sliding); null when unknown, ended or idle too long. */
  touchSession(idHash: string, idleMs: number, nowMs: number): Promise<DashboardSession | null>;
  /** Ends the session at once, on every replica. */
  deleteSession(idHash: string): Promise<void>;
}
