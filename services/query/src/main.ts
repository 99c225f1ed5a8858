import { env, telemetry } from './instrument';
import { runService } from '@sightline/http';
import { createQueryService, serviceName } from './service';

runService({
  name: serviceName,
  config: env,
  telemetry,
  create: (logger) => createQueryService(env, logger),
});
