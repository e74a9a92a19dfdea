import { sha256Hex } from './hash.js';
import type { ApprovalRequest } from './schemas.js';

/**
 * What an idempotency key is bound to: every part of the request but the key itself, with
 * object keys sorted at every depth, so a retry that orders `action_details` differently is
 * still the same request while another action, recipient, approver list, field or timeout is not.
 */
export function requestDigest(request: ApprovalRequest): string {
  const { idempotency_key: _key, ...rest } = request;
  return sha256Hex(JSON.stringify(sortKeys(rest)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const entry = (value as Record<string, unknown>)[key];
    if (entry !== undefined) sorted[key] = sortKeys(entry);
  }
  return sorted;
}
