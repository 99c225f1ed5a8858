import express, { type Router } from 'express';
import { collectProcessMetrics, metricsRegistry } from '@sightline/telemetry';

/** A check answers true/false, or says why it is not ready (shown in /readyz's `reasons`). */
export type ReadinessResult = boolean | { ready: boolean; reason?: string };
export type ReadinessCheck = () => Promise<ReadinessResult> | ReadinessResult;

export interface HealthOptions {
  service: string;
  /** Named checks for /readyz: e.g. kafka, postgres, redis, consumer loop. */
  checks: Record<string, ReadinessCheck>;
}

/**
 * `/healthz`: the process is up. `/readyz`: every dependency answered (each check named in the
 * body). `/metrics`: Prometheus text.
 */
export function healthRouter(options: HealthOptions): Router {
  collectProcessMetrics(options.service);
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service, node: process.versions.node });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, boolean> = {};
    const reasons: Record<string, string> = {};
    await Promise.all(
      Object.entries(options.checks).map(async ([name, check]) => {
        const result = await withTimeout(Promise.resolve().then(check), 2000).catch((): ReadinessResult => ({ ready: false, reason: 'check failed or timed out' }));
        results[name] = typeof result === 'boolean' ? result : result.ready;
        if (typeof result !== 'boolean' && !result.ready && result.reason) reasons[name] = result.reason;
      }),
    );
    const ready = Object.values(results).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results, ...(Object.keys(reasons).length ? { reasons } : {}) });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
