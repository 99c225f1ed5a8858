import { env, telemetry } from './instrument';
import { handleShutdown, listen } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createAggregator } from './aggregator';

async function main() {
  const logger = createLogger({ service: 'bitmap-aggregator', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });
  const aggregator = createAggregator(env, logger);
  await aggregator.start();
  const server = await listen(aggregator.app, env.PORT, env.HOST);
  logger.info({ port: server.port }, 'aggregator_listening');
  handleShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    ['http', () => server.close()],
    ['aggregator', () => aggregator.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
}

main().catch((err) => {
  process.stderr.write(`bitmap-aggregator failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
