import { Router } from 'express';
import type { ApprovalService } from '../../use-cases/approval-service.js';

/**
 * `POST /v1/policy/explain` (admin keys): what a request (`{agent, action, details?, request?}`) or a tool call
 * (`{agent?, tool, input, cwd?, session_id?}`) would get — decided, routed, tool_calls_default, or refused, and why.
 */
export function policyRouter(service: ApprovalService): Router {
  const router = Router();
  router.post('/explain', async (req, res) => {
    res.json(await service.explain(req.body ?? {}));
  });
  return router;
}
