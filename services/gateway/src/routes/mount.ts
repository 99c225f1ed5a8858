import type { Request, Router } from 'express';
import { z } from 'zod';
import { HttpError, validate } from '@sightline/http';
import type { AccessControl } from '../auth/access-control';
import { expressPath, type RouteDef } from './route';

const empty = z.object({});
const JSON_TYPES = ['application/json', 'application/*+json'];
const FORM = 'application/x-www-form-urlencoded';

/**
 * State changes take JSON only (and a form where a seed client needs one): a page on another site
 * can post a form or text/plain without a preflight, never JSON; and a body of another type was
 * read as empty, which answered a confusing 400 about missing fields.
 */
function checkBodyType(req: Request, forms: boolean): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is(JSON_TYPES) || (forms && req.is(FORM))) return;
  throw HttpError.unsupportedMediaType(req.headers['content-type'] ?? '(none)', forms ? ['application/json', FORM] : ['application/json']);
}

/** Registers each route on the router: path params → access check → query/body validation → handler. */
export function mountRoutes(router: Router, routes: RouteDef[], accessControl: AccessControl): void {
  for (const def of routes) {
    router[def.method](expressPath(def.path), async (req, res) => {
      if (def.method !== 'get') checkBodyType(req, def.forms === true);
      const params = validate(def.params ?? empty, req.params, 'path');
      const access = await accessControl.authorize(def.access, req, params as Record<string, unknown>);
      const query = validate(def.query ?? empty, req.query, 'query');
      const body = def.body ? validate(def.body, req.body ?? {}, 'body') : undefined;
      const reply = await def.handle({ params, query, body, access, req, res });
      if (reply.headers) res.set(reply.headers);
      res.status(reply.status ?? 200);
      if (reply.text !== undefined) res.type('text/plain').send(reply.text);
      else if (reply.body === undefined) res.end();
      else res.json(reply.body);
    });
  }
}
