import { isIP } from 'node:net';
import { Router } from 'express';
import { LoopPauseError } from '../../domain/errors.js';
import { secretsEqual } from '../../domain/hash.js';
import type { Metrics } from '../../metrics.js';
import { sendError } from '../errors.js';

/**
 * Prometheus metrics. With a token, behind `Authorization: Bearer <token>`; without one, only for
 * clients on this machine: the connection and the client address (after trusted proxies) must both
 * be loopback, so neither a `Host: localhost` header nor a proxy on this host opens it to others.
 */
export function metricsRouter(metrics: Metrics, token?: string): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (token !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !secretsEqual(given, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="looppause-metrics"');
        sendError(res, new LoopPauseError('unauthorized', 'metrics need Authorization: Bearer <metrics token>'));
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress) || !isLoopback(req.ip)) {
      sendError(
        res,
        new LoopPauseError(
          'forbidden',
          'metrics answer only on this machine unless LOOPPAUSE_METRICS_TOKEN is set (then send it as a Bearer token)',
        ),
      );
      return;
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback as an IPv4-mapped IPv6 address. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return isIP(plain) === 6 && /^(0{0,4}:){1,7}0{0,3}1$|^::1$/.test(plain);
}
