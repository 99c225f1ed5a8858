import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from '@sightline/telemetry';

/**
 * `auto` is one worker per core in production and one process elsewhere (tests, development),
 * where a second copy of the service would only cost start-up time and memory.
 */
export function workerCount(setting: number | 'auto', nodeEnv: string): number {
  if (setting !== 'auto') return Math.max(1, setting);
  return nodeEnv === 'production' ? availableParallelism() : 1;
}

export interface PrimaryHooks {
  /** A message a worker sent with `process.send`; `reply` answers that worker. */
  onWorkerMessage?(message: unknown, reply: (message: unknown) => void): void;
}

/**
 * Runs `start` in `count` cluster workers that share the listening port (the primary hands out
 * connections round-robin), or in this process when count is 1. The primary only supervises:
 * it passes SIGTERM/SIGINT on to every worker, waits for each to drain and exit, and exits with
 * a failure code if any worker did; `primary` hooks let workers share state kept there (the
 * ingest's rate-limit buckets). A worker that dies while the service is running is
 * replaced, so a crash costs that worker's in-flight requests (never answered 2xx, so the
 * clients retry) and not the service's capacity; one that dies before it listened stops the
 * service, as a start failure of a single process does.
 */
export function runWorkers(service: string, count: number, logger: Logger, start: () => Promise<void>, primary?: () => PrimaryHooks): void {
  if (count <= 1 || !cluster.isPrimary) {
    start().catch((err) => {
      process.stderr.write(`${service} failed to start: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
    return;
  }
  let stopping = false;
  let failed = false;
  const hooks = primary?.() ?? {};
  if (hooks.onWorkerMessage) {
    const onMessage = hooks.onWorkerMessage;
    cluster.on('message', (worker: Worker, message: unknown) => onMessage(message, (answer) => worker.isConnected() && worker.send(answer as object)));
  }
  const listening = new Set<number>();
  const fork = () => cluster.fork();
  cluster.on('listening', (worker: Worker) => listening.add(worker.id));
  cluster.on('exit', (worker: Worker, code, signal) => {
    const served = listening.has(worker.id);
    if (!stopping && served) {
      logger.error({ workerId: worker.id, code, signal }, 'worker_died');
      fork();
      return;
    }
    if (!stopping) {
      // It never got as far as listening (bad config, Kafka unreachable at start): another
      // fork would fail the same way, so the service fails to start as one process would.
      logger.error({ workerId: worker.id, code, signal }, 'worker_failed_to_start');
      failed = true;
      stop('SIGTERM');
    } else if (code !== 0 && served) {
      failed = true; // one stopped while still starting had nothing to drain
    }
    logger.info({ workerId: worker.id, code, signal }, 'worker_exited');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutdown_started');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i++) fork();
  logger.info({ workers: count }, 'workers_started');
}
