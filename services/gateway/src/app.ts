import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { join } from 'node:path';
import { errorHandler, healthRouter, HttpError, notFoundHandler, type ReadinessCheck } from '@sightline/http';
import { SESSION_COOKIE } from './auth/authenticator';
import type { GatewayDeps } from './routes/deps';
import { allRoutes } from './routes';
import { mountRoutes } from './routes/mount';
import { buildOpenApi, OPENAPI_VERSION } from './routes/openapi';

/** The dashboard as Vite built it (web/ → dist/web); the same path from src/ (tests) and dist/. */
const dashboardDir = join(__dirname, '..', 'dist', 'web');

/** CORS only for the configured dashboard origins; other sites' pages cannot call the API with a member's cookie. */
function dashboardCors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' });
      if (req.method === 'OPTIONS') {
        res.set({ 'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE', 'Access-Control-Allow-Headers': 'Authorization,Content-Type', 'Access-Control-Max-Age': '600' });
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state change that carries credentials a browser adds by itself (the session cookie, cached
 * Basic) must come from the gateway's own origin or a configured dashboard origin. Browsers send
 * `Origin` on every POST/PUT/PATCH/DELETE (and `Sec-Fetch-Site`); a request with neither is not
 * from a browser page.
 */
function originCheck(dashboardOrigins: string[], publicUrl: string | undefined): RequestHandler {
  const allowed = new Set([...dashboardOrigins, ...(publicUrl ? [new URL(publicUrl).origin] : [])]);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const ambient = (req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`) || /^basic /i.test(req.headers.authorization ?? '');
    const origin = req.headers.origin;
    if (origin === undefined) {
      const site = req.headers['sec-fetch-site'];
      return next(ambient && site !== undefined && site !== 'same-origin' && site !== 'none' ? HttpError.forbidden(`a ${site} request with a session cookie or Basic credentials is refused`) : undefined);
    }
    if (!ambient || allowed.has(origin)) return next();
    let sameHost = false;
    try {
      sameHost = new URL(origin).host === req.headers.host;
    } catch {
      // `null` (a sandboxed or file: page) or garbage: not the gateway's origin.
    }
    next(sameHost ? undefined : HttpError.forbidden(`requests with a session cookie or Basic credentials from origin ${origin} are refused; use the dashboard's origin or a read key`));
  };
}

export function createApp(deps: GatewayDeps, checks: Record<string, ReadinessCheck>) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"] } } }));
  app.use(healthRouter({ service: 'gateway', checks }));
  app.use(dashboardCors(deps.config.DASHBOARD_ORIGINS));
  app.use(originCheck(deps.config.DASHBOARD_ORIGINS, deps.config.PUBLIC_URL));
  app.use(express.json({ limit: deps.config.BODY_LIMIT }));
  // HiiTrack clients post forms; only routes marked `forms` accept them (mount.ts).
  app.use(express.urlencoded({ extended: false, limit: deps.config.BODY_LIMIT }));

  const routes = allRoutes(deps);
  // Without PUBLIC_URL the server is the origin the caller reached this gateway at.
  const publicUrl = deps.config.PUBLIC_URL;
  const openapi = buildOpenApi(routes, { version: OPENAPI_VERSION, serverUrl: publicUrl ?? '/' });
  app.get('/openapi.json', (req, res) => {
    res.json(publicUrl ? openapi : { ...openapi, servers: [{ url: `${req.protocol}://${req.get('host')}` }] });
  });
  const router = express.Router();
  mountRoutes(router, routes, deps.access);
  app.use(router);
  // Hashed assets never change; index.html is revalidated so a new build is picked up at once.
  app.use('/assets', express.static(join(dashboardDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(dashboardDir, { index: false, maxAge: 0 }));
  // Every view of the single-page app is a URL (bookmarks, shared links, tests open it directly).
  app.get(['/', '/sign-in', '/sign-up', '/account', '/p/*rest'], (_req, res) => {
    res.sendFile(join(dashboardDir, 'index.html'), { maxAge: 0 });
  });
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
