import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiKeyConfig } from '../config.js';
import { LoopPauseError } from '../domain/errors.js';
import { sha256Hex } from '../domain/hash.js';
import type { ApiKeys } from '../store/ports/api-keys.js';
import { sendError } from './errors.js';

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

type Cached = { name: string | null; until: number };

/** Entries per cache; past it the oldest entry goes. */
const CACHE_LIMIT = 10_000;

/**
 * API keys from LOOPPAUSE_API_KEYS and keys minted into the store (held as SHA-256 only).
 * Configured keys are compared in constant time; stored keys are looked up by their hash,
 * which reveals nothing about the key. A short cache keeps auth off the store's hot path;
 * unknown keys are cached apart, so a flood of random keys cannot push out the valid ones.
 */
export class ApiKeyAuth {
  private readonly configured: { name: string; hash: Buffer }[];
  private readonly valid = new Map<string, Cached>();
  private readonly invalid = new Map<string, Cached>();

  constructor(
    keys: ApiKeyConfig[],
    private readonly store: ApiKeys,
    private readonly cacheMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {
    this.configured = keys.map((k) => ({ name: k.name, hash: Buffer.from(hashApiKey(k.key), 'hex') }));
  }

  /** The agent id (key name) for a presented key, or null. */
  async authenticate(presented: string): Promise<string | null> {
    const hash = hashApiKey(presented);
    const digest = Buffer.from(hash, 'hex');
    let match: string | null = null;
    for (const key of this.configured) if (timingSafeEqual(key.hash, digest)) match = key.name;
    if (match) return match;
    const cached = this.valid.get(hash) ?? this.invalid.get(hash);
    if (cached && cached.until > this.now()) return cached.name;
    const name = (await this.store.findApiKey(hash))?.name ?? null;
    this.valid.delete(hash);
    this.invalid.delete(hash);
    remember(name ? this.valid : this.invalid, hash, { name, until: this.now() + this.cacheMs });
    return name;
  }

  middleware(): RequestHandler {
    return async (req, res, next) => {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
      const agentId = match?.[1] ? await this.authenticate(match[1]).catch(() => undefined) : null;
      if (agentId === undefined) {
        sendError(res, new LoopPauseError('unavailable', 'the store is unreachable; try again shortly'));
        return;
      }
      if (!agentId) {
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
      res.locals.agentId = agentId;
      next();
    };
  }
}

function remember(cache: Map<string, Cached>, hash: string, entry: Cached): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(hash, entry);
}
