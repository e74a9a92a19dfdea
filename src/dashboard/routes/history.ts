import type { Request, RequestHandler, Response, Router } from 'express';
import type { RouteDeps } from '../deps.js';
import type { HistoryParams } from '../history.js';
import { chrome, sendMessage, sendPage } from '../pages.js';
import { historyExport, historyParams, presentHistory } from '../presenters/history.js';
import { signedOf } from '../session.js';
import { historyPage } from '../views/history.js';

/** History: filters, sealed paging, and its CSV / JSON Lines exports, each showing only what the viewer may see. */
export function registerHistory(router: Router, deps: RouteDeps): void {
  const reads = { store: deps.store, cursors: deps.cursors, now: deps.service.now };

  /** The page's filters, or a 400 page naming what is wrong with them. */
  const params = (req: Request, res: Response): HistoryParams | undefined => {
    const parsed = historyParams(deps.cursors, req.query);
    if (parsed.ok) return parsed.params;
    sendMessage(res, 400, 'Bad filter', parsed.error, signedOf(res));
    return undefined;
  };

  router.get('/history', deps.guards.requireSignIn, async (req, res) => {
    const filters = params(req, res);
    if (!filters) return;
    const signed = signedOf(res);
    const view = await presentHistory(reads, filters, signed.viewer);
    sendPage(res, 200, historyPage(chrome(res, signed), view));
  });

  const exporter =
    (kind: 'csv' | 'jsonl'): RequestHandler =>
    async (req, res) => {
      const filters = params(req, res);
      if (!filters) return;
      const signed = signedOf(res);
      res.status(200);
      res.setHeader('Content-Type', kind === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="looppause-history.${kind}"`);
      // Writes wait for the socket (backpressure); a client gone stops the reads.
      for await (const chunk of historyExport(reads, filters, signed.viewer, kind)) {
        if (chunk && !res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        if (res.destroyed) break;
      }
      res.end();
    };
  router.get('/history.csv', deps.guards.requireSignIn, exporter('csv'));
  router.get('/history.jsonl', deps.guards.requireSignIn, exporter('jsonl'));
}
