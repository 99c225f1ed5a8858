import { env, telemetry } from './instrument';
import { handleShutdown, listen, runWorkers, workerCount } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createAggregator } from './aggregator';

const logger = createLogger({ service: 'bitmap-aggregator', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });

async function main() {
  const aggregator = createAggregator(env, logger);
  await aggregator.start();
  const server = await listen(aggregator.app, env.PORT, env.HOST);
  logger.info({ port: server.port, pid: process.pid }, 'aggregator_listening');
  handleShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    ['http', () => server.close()],
    ['aggregator', () => aggregator.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
}

runWorkers('bitmap-aggregator', workerCount(env.WORKERS, env.NODE_ENV), logger, main);
