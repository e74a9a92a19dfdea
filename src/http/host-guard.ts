import type { RequestHandler, Response } from 'express';
import { LoopPauseError } from '../domain/errors.js';
import { sendError } from './errors.js';

/**
 * DNS-rebinding protection: the Host header must name this service, and a browser's Origin,
 * when sent, must be this service too. Non-browser clients send no Origin.
 */
export function hostGuard(allowedHosts: readonly string[]): RequestHandler {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return (req, res, next) => {
    const host = hostnameOf(`http://${req.headers.host ?? ''}`);
    if (!host || !allowed.has(host)) {
      forbid(res, 'Host header is not allowed for this service');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      const originHost = hostnameOf(origin);
      if (!originHost || !allowed.has(originHost)) {
        forbid(res, 'Origin is not allowed for this service');
        return;
      }
    }
    next();
  };
}

function forbid(res: Response, message: string): void {
  sendError(res, new LoopPauseError('forbidden', message));
}

function hostnameOf(url: string): string | undefined {
  try {
    const name = new URL(url).hostname.toLowerCase();
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}
