import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { MAX_WAIT_SECONDS, pauseStatusSchema } from '../../domain/schemas.js';
import { parseInput } from '../../domain/validation.js';
import { stateOf } from '../../domain/vocabulary.js';
import type { ApprovalService } from '../../use-cases/approval-service.js';
import { agentOf } from '../auth.js';

const waitQuery = z.strictObject({
  wait: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be at least 0')
    .max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS}`)
    .default(0),
});

const listQuery = z.strictObject({
  // The API's word (`expired` for a cancelled pause), read as the state it names.
  status: pauseStatusSchema.transform(stateOf).optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** The REST mirror of the MCP tools, for agents without MCP and for the stdio proxy. */
export function pausesRouter(service: ApprovalService): Router {
  const router = Router();
  const agent = (res: Response): string => res.locals.agentId as string;

  router.post('/', async (req, res) => {
    const { result, created } = await service.requestWithOutcome(agent(res), req.body ?? {});
    res.status(created ? 201 : 200).json(result);
  });

  router.get('/', async (req, res) => {
    const query = parseInput(listQuery, withoutEmpty(req.query));
    res.json(await service.list(agent(res), query));
  });

  router.get('/:id', async (req, res) => {
    const { wait } = parseInput(waitQuery, withoutEmpty(req.query));
    const view = await service.check(
      agent(res),
      { pause_id: req.params.id, wait_seconds: wait },
      abortOnClose(req, res),
    );
    res.json(view);
  });

  router.get('/:id/events', async (req, res) => {
    const caller = agentOf(res);
    res.json(await service.timeline({ agentId: agent(res), admin: caller?.admin === true }, req.params.id));
  });

  router.post('/:id/cancel', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    res.json(await service.cancel(agent(res), { ...body, pause_id: req.params.id }));
  });

  return router;
}

/** `?limit=&cursor=` means "not given", as docs/api.md writes it. */
function withoutEmpty(query: Request['query']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
}

/** Aborts a long-poll when its client goes away. */
function abortOnClose(_req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}
