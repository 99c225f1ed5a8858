import { Router, type RequestHandler } from 'express';
import type { EventType } from '@sightline/contracts';
import { HttpError } from '@sightline/http';
import { convertAll, jsonBody, publishEvents, requireObject, resolveByKey, singleOrThrow, throwIfNoneAccepted, type IntakeDeps } from './intake';

const singleTypes: EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias'];
/** analytics.js (Segment's browser SDK) posts to one-letter paths, as text/plain. */
const browserAliases: Partial<Record<EventType, string>> = { track: 't', page: 'p', identify: 'i', group: 'g', alias: 'a' };

/** Segment's HTTP Tracking API, so Segment SDKs work unchanged (`host` pointed here). */
export function segmentRoutes(deps: IntakeDeps, router: Router = Router()): Router {

  for (const type of singleTypes) {
    const paths = [`/v1/${type}`, ...(browserAliases[type] ? [`/v1/${browserAliases[type]}`] : [])];
    router.post(paths, async (req, res) => {
      const body = requireObject(jsonBody(req));
      const resolved = resolveByKey(deps, req, res, body.writeKey, false);
      // The endpoint names the type; a conflicting `type` in the body is Segment's client bug, not ours to guess.
      const { results } = convertAll(deps, req, resolved, { inputs: [{ ...body, type }], defaultType: type, requireIdentity: true });
      const event = singleOrThrow(results[0]!);
      await publishEvents(deps, resolved, [event]);
      res.json({ success: true });
    });
  }

  const batch: RequestHandler = async (req, res) => {
    const body = requireObject(jsonBody(req));
    const resolved = resolveByKey(deps, req, res, body.writeKey, false);
    if (!Array.isArray(body.batch)) throw HttpError.badRequest('`batch` must be an array of messages', [{ path: 'batch', reason: 'must be an array' }]);
    if (body.batch.length === 0) throw HttpError.badRequest('`batch` is empty', [{ path: 'batch', reason: 'must contain at least one message' }]);
    const { events, rejected } = convertAll(deps, req, resolved, {
      inputs: body.batch,
      defaultType: null,
      requireIdentity: true,
      batchSentAt: body.sentAt,
      batchContext: body.context,
    });
    throwIfNoneAccepted(events, rejected, 'batch.');
    await publishEvents(deps, resolved, events);
    res.json(rejected.length ? { success: true, rejected } : { success: true });
  };
  router.post(['/v1/batch', '/v1/import', '/v1/b'], batch);
  return router;
}
