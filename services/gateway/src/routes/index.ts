import { accountRoutes } from './accounts.routes';
import { analyticsRoutes } from './analytics.routes';
import type { GatewayDeps } from './deps';
import { eventRoutes } from './events.routes';
import { funnelRoutes } from './funnels.routes';
import { keyRoutes } from './keys.routes';
import { projectRoutes } from './projects.routes';
import type { RouteDef } from './route';
import { seedAnalyticsRoutes } from './seed-analytics.routes';
import { seedHiiTrackRoutes } from './seed-hiitrack.routes';
import { segmentRoutes } from './segments.routes';
import { sessionRoutes } from './session.routes';
import { topicSchemaRoutes } from './topic-schemas.routes';
import { viewRoutes } from './views.routes';

/**
 * Every public route; the app mounts them and the OpenAPI document describes the same list.
 * HiiTrack's catch-all `/:account/:project/...` paths come last.
 */
export function allRoutes(deps: GatewayDeps): RouteDef[] {
  return [
    ...accountRoutes(deps),
    ...sessionRoutes(deps),
    ...projectRoutes(deps),
    ...keyRoutes(deps),
    ...analyticsRoutes(deps),
    ...funnelRoutes(deps),
    ...segmentRoutes(deps),
    ...eventRoutes(deps),
    ...viewRoutes(deps),
    ...topicSchemaRoutes(deps),
    ...seedAnalyticsRoutes(deps),
    ...seedHiiTrackRoutes(deps),
  ];
}
