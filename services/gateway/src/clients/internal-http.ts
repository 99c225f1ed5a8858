import { HttpError, type FieldError } from '@sightline/http';
import { histogram, injectTraceHeaders } from '@sightline/telemetry';

const upstreamSeconds = histogram<'service' | 'status'>({
  name: 'gateway_upstream_seconds',
  help: 'Time spent in calls to the internal services',
  labelNames: ['service', 'status'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export type QueryValue = string | number | boolean | undefined | null;

export interface InternalHttp {
  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

interface UpstreamError {
  error?: { code?: string; message?: string; fields?: FieldError[] };
}

/**
 * JSON over HTTP to an internal service, with a deadline. The caller's mistakes the upstream
 * finds (400) come back as the caller's 400; an upstream that is down or failing is a 503
 * with Retry-After, one that is too slow a 504: never a wrong answer.
 */
export function createInternalHttp(service: string, baseUrl: string, timeoutMs: number): InternalHttp {
  const base = baseUrl.replace(/\/$/, '');
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const started = process.hrtime.bigint();
    let status = 'error';
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: injectTraceHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = String(res.status);
      const payload = (await res.json().catch(() => ({}))) as T & UpstreamError;
      if (res.ok) return payload;
      const message = payload.error?.message ?? `${service} answered ${res.status}`;
      if (res.status === 400) throw new HttpError(400, payload.error?.code ?? 'invalid_request', message, payload.error?.fields ?? []);
      if (res.status === 404) throw HttpError.notFound(message);
      throw HttpError.unavailable(`${service} failed: ${message}`, 2);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if ((err as Error).name === 'TimeoutError') {
        status = 'timeout';
        throw new HttpError(504, 'timeout', `${service} did not answer within ${timeoutMs} ms; narrow the range or simplify the query`);
      }
      throw HttpError.unavailable(`${service} is unavailable`, 2);
    } finally {
      upstreamSeconds.observe({ service, status }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
  return {
    get(path, query = {}) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.set(k, String(v));
      const suffix = qs.size ? `?${qs}` : '';
      return call('GET', `${path}${suffix}`);
    },
    post: (path, body) => call('POST', path, body),
  };
}
