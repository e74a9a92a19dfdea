import { Router } from 'express';
import type { ApprovalService } from '../../use-cases/approval-service.js';

/** `POST /v1/policy/explain` (admin keys): which rule a request would meet, and what it would get. */
export function policyRouter(service: ApprovalService): Router {
  const router = Router();
  router.post('/explain', (req, res) => {
    res.json(service.explainPolicy(req.body ?? {}));
  });
  return router;
}
