import type { DecisionToken, DecisionTokens } from './ports/decision-tokens.js';
import type { RedisContext } from './redis-connection.js';

/** Decision-link tokens on Redis, by hash, each a key that Redis expires at the token's deadline. */
export class RedisDecisionTokens implements DecisionTokens {
  constructor(private readonly context: RedisContext) {}

  async putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void> {
    await this.context.redis.set(
      this.context.keys.decisionToken(tokenHash),
      JSON.stringify(token),
      'PXAT',
      expiresAtMs,
    );
  }

  async getDecisionToken(tokenHash: string): Promise<DecisionToken | null> {
    const raw = await this.context.redis.get(this.context.keys.decisionToken(tokenHash));
    return raw ? (JSON.parse(raw) as DecisionToken) : null;
  }
}
