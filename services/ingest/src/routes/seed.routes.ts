import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ProjectConfig } from '@sightline/contracts';
import { HttpError, requestContextOf, validate } from '@sightline/http';
import { decodeBase64Json, fromTheEye, fromUserAnalytics, hiiTrackEvent, hiiTrackProperties, jsonpCallback, parseHiiTrackBatch, theEyeEvent, userAnalyticsQuery } from '../domain/seed-messages.handler';
import { admitProject, convertAll, jsonBody, publishEvents, resolveByKey, singleOrThrow, throwIfNoneAccepted, writeKeyOf, type IntakeDeps, type Resolved } from './intake';

const VISITOR_COOKIE = 'v';
const visitorId = z.string().min(1, 'required').max(256);

/** HiiTrack read its parameters from the query, a form body or a JSON body alike. */
function hiiTrackParams(req: Request): Record<string, unknown> {
  const params: Record<string, unknown> = { ...req.query };
  const raw = typeof req.body === 'string' ? req.body.trim() : '';
  if (!raw) return params;
  if (/json/i.test(req.headers['content-type'] ?? '')) {
    const body = jsonBody(req);
    if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(params, body);
  } else Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  return params;
}

/** A cookie's value; a malformed percent-encoding counts as no cookie (a new visitor), not a 500. */
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name || !v.length) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The seed's 100-year `v` cookie only where the project sets cookies and the visitor sent no
 * DNT / Sec-GPC (unless the project ignores those signals). Elsewhere the visitor is the given
 * `visitor_id` or none at all: the fingerprint service then counts them cookie-less.
 */
function visitorCookieAllowed(req: Request, project: ProjectConfig): boolean {
  if (project.cookieless) return false;
  const signalled = req.headers.dnt === '1' || req.headers['sec-gpc'] === '1';
  return !signalled || project.privacySignals === 'ignore';
}

/**
 * The project named by the path. With a write key (`?key=`, Basic) it must be that project's;
 * without one, the project must have opted in to keyless writes (`keylessPathWrites`), since the
 * slugs are no secret. Allowed origins and the rate limit apply either way.
 */
function resolveByPath(deps: IntakeDeps, req: Request, res: Response): Resolved {
  const project = deps.projects.byPath(String(req.params.account), String(req.params.project));
  if (!project) throw HttpError.notFound(`no project ${req.params.account}/${req.params.project}`);
  const key = writeKeyOf(req);
  if (key) {
    if (deps.projects.byWriteKey(key)?.project.projectId !== project.projectId) throw new HttpError(401, 'unauthorized', 'unknown write key for this project', [{ path: 'key', reason: 'not a write key of this project' }]);
  } else if (project.keylessPathWrites !== true) {
    throw HttpError.forbidden('writes by path without a write key are off for this project: send ?key=<write key>, or an admin enables keylessPathWrites');
  }
  admitProject(req, res, project);
  return { project, limiterKey: key ? `key:${key}` : `project:${project.projectId}`, trace: requestContextOf(res) };
}

/** HiiTrack answered JSON, with the request_id echoed and JSONP when a callback is named. */
function hiiTrackReply(res: Response, params: Record<string, unknown>, data: Record<string, unknown>): void {
  const body = params.request_id !== undefined ? { ...data, request_id: String(params.request_id) } : data;
  if (params.callback === undefined) {
    res.json(body);
    return;
  }
  const callback = validate(jsonpCallback, params.callback, 'callback');
  res.type('application/javascript').send(`${callback}(${JSON.stringify(body)});`);
}

export function seedRoutes(deps: IntakeDeps, router: Router = Router()): Router {

  router.post('/analytics', async (req, res) => {
    const query = validate(userAnalyticsQuery, req.query, 'query');
    const resolved = resolveByKey(deps, req, res, undefined, true);
    const { results } = convertAll(deps, req, resolved, { inputs: [fromUserAnalytics(query)], defaultType: null, requireIdentity: false });
    await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
    res.status(204).end();
  });

  router.post(['/api/event', '/api/event/'], async (req, res) => {
    const body = validate(theEyeEvent, jsonBody(req), 'event');
    const resolved = resolveByKey(deps, req, res, undefined, true);
    const { results } = convertAll(deps, req, resolved, { inputs: [fromTheEye(body)], defaultType: null, requireIdentity: false });
    await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
    res.status(201).json({ success: true });
  });

  router.post('/:account/:project/event/:name', async (req, res) => {
    const params = hiiTrackParams(req);
    const visitor = validate(z.object({ visitor_id: visitorId }), params, 'request').visitor_id;
    const resolved = resolveByPath(deps, req, res);
    const { results } = convertAll(deps, req, resolved, { inputs: [hiiTrackEvent(String(req.params.name), visitor)], defaultType: null, requireIdentity: false });
    await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
    hiiTrackReply(res, params, { visitor_id: visitor });
  });

  router.post('/:account/:project/property/:name', async (req, res) => {
    const params = hiiTrackParams(req);
    const { visitor_id: visitor, value } = validate(z.object({ visitor_id: visitorId, value: z.string().min(1, 'required') }), params, 'request');
    const decoded = decodeBase64Json(value);
    if (!decoded.ok) throw HttpError.badRequest(`invalid value: ${decoded.reason}`, [{ path: 'value', reason: decoded.reason }]);
    const resolved = resolveByPath(deps, req, res);
    const { results } = convertAll(deps, req, resolved, { inputs: [hiiTrackProperties([[String(req.params.name), decoded.value]], visitor)], defaultType: null, requireIdentity: false });
    await publishEvents(deps, resolved, [singleOrThrow(results[0]!)]);
    hiiTrackReply(res, params, { visitor_id: visitor });
  });

  router.get('/:account/:project/batch', async (req, res) => {
    const params = req.query as Record<string, unknown>;
    const { message } = validate(z.object({ message: z.string().min(1, 'required') }), params, 'request');
    const decoded = decodeBase64Json(message);
    const batch = decoded.ok ? parseHiiTrackBatch(decoded.value) : decoded;
    if (!batch.ok) throw HttpError.badRequest(`invalid message: ${batch.reason}`, [{ path: 'message', reason: batch.reason }]);
    const resolved = resolveByPath(deps, req, res);
    // The seed's visitor: the visitor_id parameter, else the `v` cookie, else a new one in a new
    // cookie — where a cookie is allowed at all.
    const given = typeof params.visitor_id === 'string' && params.visitor_id ? params.visitor_id : undefined;
    const cookies = visitorCookieAllowed(req, resolved.project);
    const cookied = cookies ? cookie(req, VISITOR_COOKIE) : undefined;
    const chosen = given ?? cookied ?? (cookies ? randomUUID().replace(/-/g, '') : undefined);
    const visitor = chosen === undefined ? undefined : validate(visitorId, chosen, 'visitor_id');
    if (cookies && visitor !== cookied) res.cookie(VISITOR_COOKIE, visitor, { path: '/', maxAge: 100 * 365 * 86400_000, sameSite: req.secure ? 'none' : 'lax', secure: req.secure });
    const inputs = [...(batch.value.properties.length ? [hiiTrackProperties(batch.value.properties, visitor)] : []), ...batch.value.events.map((e) => hiiTrackEvent(e, visitor))];
    // HiiTrack's batch is a JSONP call from the visitor's browser.
    const { events, rejected } = convertAll(deps, req, resolved, { inputs, defaultType: null, requireIdentity: false, fromBrowser: true });
    throwIfNoneAccepted(events, rejected, 'message.');
    await publishEvents(deps, resolved, events);
    hiiTrackReply(res, params, rejected.length ? { visitor_id: visitor ?? null, rejected } : { visitor_id: visitor ?? null });
  });
  return router;
}
