import { env, telemetry } from './instrument';
import { runService } from '@sightline/http';
import { createBitmapAggregator, serviceName } from './service';

runService({
  name: serviceName,
  config: env,
  telemetry,
  workers: env.WORKERS,
  create: (logger) => createBitmapAggregator(env, logger),
});
