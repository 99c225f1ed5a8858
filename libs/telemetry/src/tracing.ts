import { context, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type TextMapGetter } from '@opentelemetry/api';

export type { Context };
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, ParentBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** `otlp` to export, anything else (or unset with no endpoint) keeps spans in-process only. */
  tracesExporter?: string;
  otlpEndpoint?: string;
  /**
   * `false` leaves HTTP and express uninstrumented: the service makes its request spans itself
   * (`requestSpans` in @sightline/http) and passes their context explicitly. The automatic
   * instrumentation makes each request's span the active context, and keeping an active
   * context across awaits (AsyncLocalStorage on async hooks in Node 20) ran a hook for every
   * promise the process made: measured at ingest, a third of its CPU per request.
   */
  instrumentHttp?: boolean;
}

let provider: NodeTracerProvider | undefined;

/**
 * Query parameters whose values never reach a span's `url.query`: the read and write keys that
 * seed clients pass as `?key=` (and its spellings), plus the instrumentation's own defaults.
 */
export const REDACTED_QUERY_PARAMS = ['key', 'writeKey', 'data-key', 'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'];

/** Probes and scrapes: no span. */
export const untracedPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Starts tracing. Call it first in `main.ts`, before express, pg or ioredis are required, so
 * their instrumentations can patch them. Spans always exist (trace ids stamp the logs and
 * cross Kafka); they leave the process only when an OTLP exporter is configured.
 */
export function initTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  if (provider) return { shutdown: () => provider!.shutdown() };
  const exporting = options.tracesExporter === 'otlp' || (!options.tracesExporter && !!options.otlpEndpoint);
  const spanProcessors: SpanProcessor[] = exporting
    ? [new BatchSpanProcessor(new OTLPTraceExporter(options.otlpEndpoint ? { url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` } : {}))]
    : [];
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors,
    // Spans nobody exports are not recorded (no attributes, events or timings kept): their
    // trace and span ids still exist, stamp the logs and cross Kafka in traceparent.
    ...(exporting ? {} : { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler(), remoteParentSampled: new AlwaysOffSampler(), localParentSampled: new AlwaysOffSampler() }) }),
  });
  provider.register();
  registerInstrumentations({
    instrumentations: [
      ...(options.instrumentHttp === false
        ? []
        : [
            new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => !!req.url && untracedPaths.has(req.url), redactedQueryParamsServer: REDACTED_QUERY_PARAMS }),
            // Spans for route handlers only: one per middleware and router layer roughly doubled the
            // tracing cost of a request and says nothing the handler span does not.
            new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
          ]),
      new PgInstrumentation(),
      // The command name only: the default serializer joins every argument of EVAL/EVALSHA into
      // the span, i.e. each script's whole batch (visitor ids, bitmap patches of up to 125 KB
      // decoded as text) on every call, even when the span is not recorded (~4 % of the
      // aggregator's CPU), and personal ids into traces.
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  const active = provider;
  return { shutdown: () => active.shutdown() };
}

export function tracer() {
  return trace.getTracer('sightline');
}

/** Runs `fn` inside a new active span; records errors and always ends the span. */
export async function withSpan<T>(name: string, fn: () => Promise<T>, attributes?: Attributes, parent?: Context): Promise<T> {
  const ctx = parent ?? context.active();
  return tracer().startActiveSpan(name, { attributes }, ctx, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** W3C trace context into Kafka message headers (or any string map). */
export function injectTraceHeaders(headers: Record<string, string> = {}, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, headers);
  return headers;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** The context a Kafka message carried, for consumers to continue its trace. */
export function extractTraceContext(headers: Record<string, HeaderValue> | undefined): Context {
  return propagation.extract(context.active(), traceHeadersOf(headers) ?? {});
}

/** The headers the registered propagators read (W3C trace context and baggage). */
const contextHeaders = ['traceparent', 'tracestate', 'baggage'] as const;

/**
 * The W3C context headers (`traceparent`, `tracestate`, `baggage`) a message carried, as
 * strings: what `extractTraceContext` reads, and what a record made from the message carries
 * on, so each event's trace continues past a consumer that handles it in a batch (the batch's
 * own span can only have one parent).
 */
export function traceHeadersOf(headers: Record<string, HeaderValue> | undefined): Record<string, string> | undefined {
  if (!headers?.traceparent) return undefined;
  const found: Record<string, string> = {};
  for (const name of contextHeaders) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) found[name] = first.toString();
  }
  return found;
}

export function currentTraceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!traceId || traceId === '00000000000000000000000000000000') return {};
  void traceFlags;
  return { trace_id: traceId, span_id: spanId };
}

export interface RequestSpan {
  /** The span's context, to pass on explicitly (e.g. to `injectTraceHeaders`). */
  context: Context;
  traceIds: { trace_id: string; span_id: string } | Record<string, never>;
  end(statusCode: number, route?: string): void;
}

/**
 * A server span for one HTTP request, continuing the caller's `traceparent`, that is not made
 * the active context (see `instrumentHttp`): code that needs it is handed `context`.
 */
export function startRequestSpan(method: string, path: string, headers: Record<string, string | string[] | undefined>): RequestSpan {
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer().startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  const { traceId, spanId } = span.spanContext();
  return {
    context: trace.setSpan(parent, span),
    traceIds: { trace_id: traceId, span_id: spanId },
    end(statusCode, route) {
      span.setAttribute('http.response.status_code', statusCode);
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${method} ${route}`);
      }
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

const headerGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
