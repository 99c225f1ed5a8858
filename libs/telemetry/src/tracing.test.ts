import { context, trace } from '@opentelemetry/api';
import { extractTraceContext, initTelemetry, injectTraceHeaders, withSpan } from './tracing';

describe('trace context across Kafka headers', () => {
  beforeAll(() => initTelemetry({ serviceName: 'telemetry-test' }));

  it('carries the trace id from a producer span to a consumer span', async () => {
    let headers: Record<string, string> = {};
    let producerTrace = '';
    await withSpan('produce', async () => {
      producerTrace = trace.getActiveSpan()!.spanContext().traceId;
      headers = injectTraceHeaders({});
    });
    expect(headers.traceparent).toMatch(new RegExp(`^00-${producerTrace}-[0-9a-f]{16}-0[01]$`));

    const asBuffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const parent = extractTraceContext(asBuffers);
    let consumerTrace = '';
    await withSpan('consume', async () => {
      consumerTrace = trace.getActiveSpan()!.spanContext().traceId;
    }, {}, parent);
    expect(consumerTrace).toBe(producerTrace);
  });

  it('records a failing span and rethrows', async () => {
    await expect(withSpan('fails', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});
