import { env, telemetry } from './instrument';
import { runService } from '@sightline/http';
import { createGateway, serviceName } from './service';

runService({
  name: serviceName,
  config: env,
  telemetry,
  create: (logger) => createGateway(env, logger),
});
