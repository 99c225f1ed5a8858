import type { RequestHandler, Response } from 'express';

/**
 * Graceful shutdown for keep-alive clients: once draining, every response still to be written
 * says `Connection: close`, so sockets close as their last request finishes instead of idling
 * until the server's hard timeout.
 */
export function createDrain() {
  const open = new Set<Response>();
  let draining = false;
  const middleware: RequestHandler = (_req, res, next) => {
    if (draining) res.shouldKeepAlive = false;
    else {
      open.add(res);
      res.once('close', () => open.delete(res));
    }
    next();
  };
  return {
    middleware,
    begin() {
      draining = true;
      for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false;
    },
  };
}
