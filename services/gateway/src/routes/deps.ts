import type { Logger } from '@sightline/telemetry';
import type { AccessControl } from '../auth/access-control';
import type { Authenticator } from '../auth/authenticator';
import type { AggregatorClient } from '../clients/aggregator.client';
import type { QueryClient } from '../clients/query.client';
import type { GatewayConfig } from '../config';
import type { ChangePublisher } from '../publishers/change.publisher';
import type { AccountStore } from '../stores/accounts.store';
import type { ErasureStore } from '../stores/erasures.store';
import type { FunnelStore } from '../stores/funnels.store';
import type { ProjectStore } from '../stores/projects.store';
import type { SegmentStore } from '../stores/segments.store';

/** Everything route handlers may use; built once in main.ts (or a test). */
export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  accounts: AccountStore;
  projects: ProjectStore;
  funnels: FunnelStore;
  segments: SegmentStore;
  erasures: ErasureStore;
  auth: Authenticator;
  access: AccessControl;
  publisher: ChangePublisher;
  aggregator: AggregatorClient;
  query: QueryClient;
}
