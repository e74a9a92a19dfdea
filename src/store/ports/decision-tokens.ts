/** What an e-mailed decision link stands for; the store holds it under the link token's hash. */
export interface DecisionToken {
  pause_id: string;
  recipient: string;
}

export interface DecisionTokens {
  putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void>;
  /** Null once `expiresAtMs` has passed. */
  getDecisionToken(tokenHash: string): Promise<DecisionToken | null>;
}
