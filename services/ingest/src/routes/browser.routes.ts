import { Router, type Request } from 'express';
import { HttpError } from '@sightline/http';
import { fromFizzStat, isFizzStatMessage } from '../domain/fizzstat.handler';
import { pixelMessage } from '../domain/pixel.handler';
import { exposeErrorsToBrowsers, preflightHeaders, originAllowed } from './cors';
import { convertAll, isObject, jsonBody, publishEvents, resolveByKey, singleOrThrow, throwIfNoneAccepted, writeKeyOf, type IntakeDeps } from './intake';
import type { TrackerSource } from './tracker-source';

/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function refererOf(req: Request): string | undefined {
  const referer = req.headers.referer;
  return typeof referer === 'string' && referer ? referer : undefined;
}

/** Browser messages may come in FizzStat's shape; everything else is Segment's. */
function normalizeBrowserMessage(message: unknown, req: Request): unknown {
  return isFizzStatMessage(message) ? fromFizzStat(message, refererOf(req)) : message;
}

/** `/collect` (fetch or sendBeacon, single or batched), `/p.gif`, `/tracker.js` (also as Aktivat's `/js/trackr.js`) and CORS preflight. */
export function browserRoutes(deps: IntakeDeps, tracker: TrackerSource, router: Router = Router()): Router {

  router.options('/{*path}', (req, res) => {
    const origin = req.headers.origin;
    const key = writeKeyOf(req);
    const project = key ? deps.projects.byWriteKey(key)?.project : undefined;
    // Without a key in the URL the project is unknown until the body arrives; the real request is checked then.
    if (project && origin && !originAllowed(project.allowedOrigins, origin)) {
      res.status(403).json({ error: { code: 'forbidden', message: `origin ${origin} is not allowed for this project` } });
      return;
    }
    if (origin) {
      res.set('Access-Control-Allow-Origin', project?.allowedOrigins.includes('*') ? '*' : origin);
      res.vary('Origin');
    }
    res.set(preflightHeaders).status(204).end();
  });

  router.post('/collect', async (req, res) => {
    exposeErrorsToBrowsers(res, req.headers.origin);
    const body = jsonBody(req);
    const isBatch = Array.isArray(body) || (isObject(body) && Array.isArray(body.batch));
    const bodyKey = isObject(body) ? body.writeKey : undefined;
    const resolved = resolveByKey(deps, req, res, bodyKey, false);
    if (!isBatch) {
      const { results } = convertAll(deps, req, resolved, { inputs: [normalizeBrowserMessage(body, req)], defaultType: null, requireIdentity: false, fromBrowser: true });
      await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
      res.json({ success: true });
      return;
    }
    const list = (Array.isArray(body) ? body : (body as { batch: unknown[] }).batch).map((m) => normalizeBrowserMessage(m, req));
    if (list.length === 0) throw HttpError.badRequest('`batch` is empty', [{ path: 'batch', reason: 'must contain at least one message' }]);
    const { events, rejected } = convertAll(deps, req, resolved, {
      inputs: list,
      defaultType: null,
      requireIdentity: false, fromBrowser: true,
      batchSentAt: isObject(body) ? body.sentAt : undefined,
      batchContext: isObject(body) ? body.context : undefined,
    });
    throwIfNoneAccepted(events, rejected, 'batch.');
    await publishEvents(deps, resolved, events);
    res.json(rejected.length ? { success: true, rejected } : { success: true });
  });

  router.get('/p.gif', async (req, res) => {
    const resolved = resolveByKey(deps, req, res, undefined, false);
    const { results } = convertAll(deps, req, resolved, { inputs: [pixelMessage(req.query, refererOf(req))], defaultType: null, requireIdentity: false, fromBrowser: true });
    await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
    res.set({ 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, max-age=0' }).send(PIXEL);
  });

  // Aktivat's loader fetches `serverUrl + "/js/trackr.js"`; the bundle answers its `new Trackr(o)` (docs/tracker.md).
  router.get(['/tracker.js', '/js/trackr.js'], (req, res) => {
    const bundle = tracker.load();
    if (!bundle) {
      res.status(503).set('Retry-After', '60').json({ error: { code: 'tracker_unavailable', message: `the tracker bundle is not built (missing ${tracker.path}); build libs/tracker first` } });
      return;
    }
    res.set({
      'Content-Type': 'application/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400',
      ETag: bundle.etag,
      'Access-Control-Allow-Origin': '*',
    });
    if (req.headers['if-none-match'] === bundle.etag) {
      res.status(304).end();
      return;
    }
    res.send(bundle.body);
  });
  return router;
}
