import type { Logger } from '@sightline/telemetry';

export type ShutdownStep = [name: string, run: () => Promise<unknown>];

/**
 * Runs the shutdown steps in order on SIGTERM/SIGINT (stop HTTP, drain consumers, flush the
 * producer, close stores), with a hard timeout so a stuck step cannot keep the process alive.
 */
export function handleShutdown(logger: Logger, timeoutMs: number, steps: ShutdownStep[]): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutdown_started');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown_timeout');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    let failed = false;
    for (const [name, run] of steps) {
      try {
        await run();
      } catch (err) {
        failed = true;
        logger.error({ err, step: name }, 'shutdown_step_failed');
      }
    }
    logger.info({}, 'shutdown_complete');
    logger.flush?.();
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
