import { context, trace } from '@opentelemetry/api';
import { currentTraceIds, extractTraceContext, initTelemetry, injectTraceHeaders, startRequestSpan, traceHeadersOf, withSpan } from './tracing';

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

describe('startRequestSpan', () => {
  beforeAll(() => initTelemetry({ serviceName: 'telemetry-test' }));
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it("continues the caller's traceparent without becoming the active context", () => {
    const span = startRequestSpan('POST', '/v1/track', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(span.traceIds).toMatchObject({ trace_id: traceId });
    expect(span.traceIds.span_id).not.toBe('00f067aa0ba902b7');
    expect(injectTraceHeaders({}, span.context).traceparent).toMatch(new RegExp(`^00-${traceId}-${span.traceIds.span_id}-0[01]$`));
    expect(currentTraceIds()).toEqual({});
    span.end(200, '/v1/track');
  });

  it('starts a new trace when the request brings none', () => {
    const a = startRequestSpan('GET', '/p.gif', {});
    const b = startRequestSpan('GET', '/p.gif', { traceparent: 'garbage' });
    expect(a.traceIds.trace_id).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(b.traceIds.trace_id).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(a.traceIds.trace_id).not.toBe(b.traceIds.trace_id);
    a.end(204);
    b.end(500);
  });
});

describe('traceHeadersOf', () => {
  it('passes on the W3C headers a Kafka message carried, and nothing else', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceHeadersOf({ traceparent: Buffer.from(traceparent), other: Buffer.from('x') })).toEqual({ traceparent });
    expect(traceHeadersOf({ traceparent: [traceparent], tracestate: 'k=v' })).toEqual({ traceparent, tracestate: 'k=v' });
    expect(traceHeadersOf({ other: 'x' })).toBeUndefined();
    expect(traceHeadersOf(undefined)).toBeUndefined();
  });
});
