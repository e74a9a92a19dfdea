import { Router } from 'express';
import { type RedeemReceiptDeps, redeemReceipt } from '../../use-cases/redeem-receipt.js';
import { agentOf } from '../auth.js';

/** `POST /v1/receipts/redeem`: single use of a decision receipt (use-cases/redeem-receipt.ts). */
export function receiptsRouter(deps: RedeemReceiptDeps): Router {
  const router = Router();
  router.post('/redeem', async (req, res) => {
    const caller = agentOf(res);
    res.json(await redeemReceipt(deps, { agentId: caller?.id ?? '', admin: caller?.admin === true }, req.body ?? {}));
  });
  return router;
}
