import { accountRoutes } from './accounts.routes';
import { analyticsRoutes } from './analytics.routes';
import type { GatewayDeps } from './deps';
import { keyRoutes } from './keys.routes';
import { projectRoutes } from './projects.routes';
import type { RouteDef } from './route';
import { sessionRoutes } from './session.routes';

/** Every public route; the app mounts them and the OpenAPI document describes the same list. */
export function allRoutes(deps: GatewayDeps): RouteDef[] {
  return [...accountRoutes(deps), ...sessionRoutes(deps), ...projectRoutes(deps), ...keyRoutes(deps), ...analyticsRoutes(deps)];
}
