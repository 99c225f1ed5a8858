import { env, telemetry } from './instrument';
import { runService } from '@sightline/http';
import { createSessionFingerprint, serviceName } from './service';

runService({
  name: serviceName,
  config: env,
  telemetry,
  workers: env.WORKERS,
  create: (logger) => createSessionFingerprint(env, logger),
});
