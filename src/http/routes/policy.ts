import { Router } from 'express';
import type { ApprovalService } from '../../use-cases/approval-service.js';

/** `POST /v1/policy/explain` (admin keys): what a request would get — decided, routed, or refused, and why. */
export function policyRouter(service: ApprovalService): Router {
  const router = Router();
  router.post('/explain', async (req, res) => {
    res.json(await service.explain(req.body ?? {}));
  });
  return router;
}
