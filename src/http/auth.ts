import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKeyConfig } from '../config.js';
import { hashApiKey } from '../domain/api-keys.js';
import { LoopPauseError } from '../domain/errors.js';
import type { ApiKeys, StoredApiKey } from '../store/ports/api-keys.js';
import { sendError } from './errors.js';

export { hashApiKey };

/**
 * Who a request comes from: the key's name (the pause's `agent_id`), the human who owns the key
 * and whether it may use the admin endpoints. Set as `res.locals.agent` (and the name as
 * `res.locals.agentId`) by {@link ApiKeyAuth.middleware}.
 */
export interface AgentIdentity {
  id: string;
  owner?: string;
  admin: boolean;
}

function identity(key: Pick<StoredApiKey, 'name' | 'owner' | 'admin'>): AgentIdentity {
  return { id: key.name, admin: key.admin === true, ...(key.owner ? { owner: key.owner } : {}) };
}

type Cached = { agent: AgentIdentity | null; until: number };

/** Entries per cache; past it the oldest entry goes. */
const CACHE_LIMIT = 10_000;

/**
 * API keys from LOOPPAUSE_API_KEYS and keys minted into the store (held as SHA-256 only).
 * Configured keys are compared in constant time; stored keys are looked up by their hash,
 * which reveals nothing about the key. A short cache keeps auth off the store's hot path;
 * unknown keys are cached apart, so a flood of random keys cannot push out the valid ones.
 */
export class ApiKeyAuth {
  private readonly configured: { agent: AgentIdentity; hash: Buffer }[];
  private readonly valid = new Map<string, Cached>();
  private readonly invalid = new Map<string, Cached>();

  constructor(
    keys: ApiKeyConfig[],
    private readonly store: ApiKeys,
    private readonly cacheMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {
    this.configured = keys.map((k) => ({ agent: identity(k), hash: Buffer.from(hashApiKey(k.key), 'hex') }));
  }

  /** The identity behind a presented key, or null. */
  async authenticate(presented: string): Promise<AgentIdentity | null> {
    const hash = hashApiKey(presented);
    const digest = Buffer.from(hash, 'hex');
    let match: AgentIdentity | null = null;
    for (const key of this.configured) if (timingSafeEqual(key.hash, digest)) match = key.agent;
    if (match) return { ...match };
    const cached = this.valid.get(hash) ?? this.invalid.get(hash);
    if (cached && cached.until > this.now()) return cached.agent && { ...cached.agent };
    const stored = await this.store.findApiKey(hash);
    const agent = stored ? identity(stored) : null;
    this.valid.delete(hash);
    this.invalid.delete(hash);
    remember(agent ? this.valid : this.invalid, hash, { agent, until: this.now() + this.cacheMs });
    return agent && { ...agent };
  }

  /** Drops the cached lookups of the key named `name` (revoked): this replica refuses it at once. */
  forget(name: string): void {
    for (const [hash, entry] of this.valid) if (entry.agent?.id === name) this.valid.delete(hash);
  }

  /**
   * The owner of the key named `name` (an agent id), if the key has one: maker-checker asks it. The
   * request asking was just authenticated, so its key is in the cache; the store is read only when
   * it is not.
   */
  async ownerOf(name: string): Promise<string | undefined> {
    const configured = this.configured.find((key) => key.agent.id === name);
    if (configured) return configured.agent.owner;
    const nowMs = this.now();
    for (const entry of this.valid.values()) {
      if (entry.agent?.id === name && entry.until > nowMs) return entry.agent.owner;
    }
    return (await this.store.listApiKeys()).find((key) => key.name === name)?.owner;
  }

  middleware(): RequestHandler {
    return async (req, res, next) => {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
      const agent = match?.[1] ? await this.authenticate(match[1]).catch(() => undefined) : null;
      if (agent === undefined) {
        sendError(res, new LoopPauseError('unavailable', 'the store is unreachable; try again shortly'));
        return;
      }
      if (!agent) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="looppause"');
        sendError(
          res,
          new LoopPauseError(
            'unauthorized',
            match ? 'the API key is not valid' : 'missing Authorization: Bearer <api key> header',
            'authorization',
          ),
        );
        return;
      }
      res.locals.agent = agent;
      res.locals.agentId = agent.id;
      next();
    };
  }
}

/** The identity {@link ApiKeyAuth.middleware} resolved for this request, if it ran. */
export function agentOf(res: Response): AgentIdentity | undefined {
  return res.locals.agent as AgentIdentity | undefined;
}

/**
 * After {@link ApiKeyAuth.middleware}: only admin keys pass; any other key gets 403 `forbidden`.
 * Without an identity (the middleware did not run) it refuses too: it fails closed.
 */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (agentOf(res)?.admin === true) {
    next();
    return;
  }
  sendError(res, new LoopPauseError('forbidden', 'this needs an admin API key', 'authorization'));
};

function remember(cache: Map<string, Cached>, hash: string, entry: Cached): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(hash, entry);
}
