import { env, telemetry } from './instrument';
import { runService } from '@sightline/http';
import { serveRateGrants } from './limits/worker-grants';
import { createIngest, serviceName } from './service';

runService({
  name: serviceName,
  config: env,
  telemetry,
  workers: env.HTTP_WORKERS,
  // The primary holds the one set of rate-limit buckets its workers lease from.
  primary: () => ({ onWorkerMessage: serveRateGrants() }),
  create: (logger) => createIngest(env, logger),
});
