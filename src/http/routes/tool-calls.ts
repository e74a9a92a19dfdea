import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../domain/validation.js';
import type { ApprovalService } from '../../use-cases/approval-service.js';

/**
 * `POST /v1/tool-calls`: the generic engine every hook adapter calls. `?wait=SECONDS` holds the
 * answer until a human decided (at most LOOPPAUSE_HOOK_WAIT_SECONDS); without it a routed call
 * answers `pending` at once, and the same call again (same tool_use_id, or same session, tool and
 * input) is the same question.
 */
export function toolCallsRouter(service: ApprovalService, hookWaitSeconds: number): Router {
  const router = Router();
  const waitQuery = z.strictObject({
    wait: z.coerce
      .number({ error: 'must be a number of seconds' })
      .min(0, 'must be at least 0')
      .max(hookWaitSeconds, `must be at most ${hookWaitSeconds} (LOOPPAUSE_HOOK_WAIT_SECONDS)`)
      .default(0),
  });

  router.post('/', async (req: Request, res: Response) => {
    const { wait } = parseInput(waitQuery, Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== '')));
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const answer = await service.toolCall(res.locals.agentId as string, req.body ?? {}, {
      source: 'api',
      waitSeconds: wait,
      signal: controller.signal,
    });
    res.json(answer);
  });

  return router;
}
