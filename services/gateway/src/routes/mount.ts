import type { Router } from 'express';
import { z } from 'zod';
import { validate } from '@sightline/http';
import type { AccessControl } from '../auth/access-control';
import { expressPath, type RouteDef } from './route';

const empty = z.object({});

/** Registers each route on the router: path params → access check → query/body validation → handler. */
export function mountRoutes(router: Router, routes: RouteDef[], accessControl: AccessControl): void {
  for (const def of routes) {
    router[def.method](expressPath(def.path), async (req, res) => {
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
