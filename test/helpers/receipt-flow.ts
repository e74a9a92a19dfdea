import { createPrivateKey } from 'node:crypto';
import type { RunningService } from '../../src/main.js';
import { TEST_API_KEY, TEST_RECEIPT_KEY } from './service.js';

/** The private key every test service signs receipts with (TEST_RECEIPT_KEY). */
export const testServiceReceiptKey = () => createPrivateKey({ key: JSON.parse(TEST_RECEIPT_KEY), format: 'jwk' });

/** Asks `svc` for approval with `key` and approves it as fin@example.com; the decision's receipt. */
export async function approvedReceipt(
  svc: RunningService,
  key = TEST_API_KEY,
): Promise<{ pauseId: string; receipt: string }> {
  const created = await fetch(`${svc.url}/v1/pauses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      action_description: 'Refund order #1042',
      action_details: { amount: '120 EUR' },
      recipient_email: 'fin@example.com',
    }),
  });
  const { pause_id: pauseId } = (await created.json()) as { pause_id: string };
  await svc.service.decide(pauseId, {
    decision: 'approved',
    responder: 'fin@example.com',
    channel: 'email',
    identities: [],
  });
  const checked = await fetch(`${svc.url}/v1/pauses/${pauseId}`, { headers: { authorization: `Bearer ${key}` } });
  const { response } = (await checked.json()) as { response: { receipt?: string } };
  if (typeof response?.receipt !== 'string') throw new Error(`no receipt on the decision of ${pauseId}`);
  return { pauseId, receipt: response.receipt };
}

/** `POST /v1/receipts/redeem` on `svc` with `key`; its status and JSON. */
export async function redeem(
  svc: RunningService,
  body: unknown,
  key = TEST_API_KEY,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}/v1/receipts/redeem`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
