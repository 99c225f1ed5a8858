import { erasureIdSecret } from '@sightline/config';
import { createFixedRateLimiter } from '@sightline/rate-limit';
import type { Logger } from '@sightline/telemetry';
import { createAccessControl } from './auth/access-control';
import { createAuthenticator } from './auth/authenticator';
import { createAggregatorClient } from './clients/aggregator.client';
import { createQueryClient } from './clients/query.client';
import type { GatewayConfig } from './config';
import type { ChangePublisher } from './publishers/change.publisher';
import type { GatewayDeps } from './routes/deps';
import { createAccountStore } from './stores/accounts.store';
import { createErasureStore } from './stores/erasures.store';
import { createFunnelStore } from './stores/funnels.store';
import type { Db } from './stores/prisma';
import { createProjectStore } from './stores/projects.store';
import { createSegmentStore } from './stores/segments.store';

/** Builds the stores, clients and auth from their I/O handles; shared by main.ts, the CLI and tests. */
export function buildDeps(input: { config: GatewayConfig; logger: Logger; db: Db; publisher: ChangePublisher }): GatewayDeps {
  const { config, logger, db, publisher } = input;
  const accounts = createAccountStore(db, config.LOOKUP_CACHE_MS);
  const projects = createProjectStore(db, publisher, config.LOOKUP_CACHE_MS);
  const auth = createAuthenticator({
    accounts,
    projects,
    scryptCost: config.SCRYPT_COST,
    scryptConcurrency: config.SCRYPT_CONCURRENCY,
    scryptQueue: config.SCRYPT_QUEUE,
    credentialCacheSeconds: config.CREDENTIAL_CACHE_SECONDS,
    loginAttemptsPerMinute: config.LOGIN_ATTEMPTS_PER_MINUTE,
    anonymousAttemptsPerIpPerMinute: config.ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE,
    trustedProxies: config.TRUSTED_PROXIES,
  });
  const limiter = createFixedRateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST);
  return {
    config,
    logger,
    accounts,
    projects,
    funnels: createFunnelStore(db),
    segments: createSegmentStore(db),
    erasures: createErasureStore(db, erasureIdSecret(config)),
    auth,
    access: createAccessControl({ auth, accounts, projects, limiter, defaultProjectId: config.DEFAULT_PROJECT_ID }),
    publisher,
    aggregator: createAggregatorClient(config.AGGREGATOR_URL, config.UPSTREAM_TIMEOUT_MS),
    query: createQueryClient(config.QUERY_URL, config.UPSTREAM_TIMEOUT_MS),
  };
}
