import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecretToken } from '../domain/ids.js';
import { generateReceiptKey } from '../receipts/keys.js';

/**
 * Development only: a signing secret, an API key and a receipt key (an Ed25519 private JWK)
 * generated on first start and kept in `.looppause/dev.json`, so a pasted MCP client config keeps
 * working and earlier receipts keep verifying across restarts.
 */
export interface DevState {
  signingSecret: string;
  apiKey: string;
  /** The receipt signing key as a private JWK (JSON); files written before receipts have none until the next start. */
  receiptKey?: string;
  created: boolean;
}

/** The state a development service saved in `dir`, without making one; undefined when there is none. */
export function readDevState(dir: string): Omit<DevState, 'created'> | undefined {
  try {
    const saved = JSON.parse(readFileSync(devStateFile(dir), 'utf8')) as Partial<DevState>;
    if (typeof saved.signingSecret === 'string' && typeof saved.apiKey === 'string') {
      return {
        signingSecret: saved.signingSecret,
        apiKey: saved.apiKey,
        ...(typeof saved.receiptKey === 'string' ? { receiptKey: saved.receiptKey } : {}),
      };
    }
  } catch {
    // not started yet, or an unreadable file
  }
  return undefined;
}

export function devStateFile(dir: string): string {
  return join(dir, 'dev.json');
}

/** The saved state, made on first start; a file from before receipts gains a receipt key, the rest kept. */
export function loadDevState(dir: string): DevState & { receiptKey: string } {
  const saved = readDevState(dir);
  if (saved?.receiptKey !== undefined) return { ...saved, receiptKey: saved.receiptKey, created: false };
  // first start, an unreadable file, or one without a receipt key: write it whole
  const state = {
    signingSecret: saved?.signingSecret ?? newSecretToken(),
    apiKey: saved?.apiKey ?? `lp_dev_${newSecretToken()}`,
    receiptKey: generateReceiptKey(),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(devStateFile(dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return { ...state, created: saved === undefined };
}
