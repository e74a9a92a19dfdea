import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecretToken } from '../domain/ids.js';

/**
 * Development only: a signing secret and an API key generated on first start and kept in
 * `.looppause/dev.json`, so a pasted MCP client config keeps working across restarts.
 */
export interface DevState {
  signingSecret: string;
  apiKey: string;
  created: boolean;
}

/** The state a development service saved in `dir`, without making one; undefined when there is none. */
export function readDevState(dir: string): Omit<DevState, 'created'> | undefined {
  try {
    const saved = JSON.parse(readFileSync(devStateFile(dir), 'utf8')) as Partial<DevState>;
    if (typeof saved.signingSecret === 'string' && typeof saved.apiKey === 'string') {
      return { signingSecret: saved.signingSecret, apiKey: saved.apiKey };
    }
  } catch {
    // not started yet, or an unreadable file
  }
  return undefined;
}

export function devStateFile(dir: string): string {
  return join(dir, 'dev.json');
}

export function loadDevState(dir: string): DevState {
  const saved = readDevState(dir);
  if (saved) return { ...saved, created: false };
  // first start, or an unreadable file: make a new one
  const file = devStateFile(dir);
  const state = { signingSecret: newSecretToken(), apiKey: `lp_dev_${newSecretToken()}` };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return { ...state, created: true };
}
