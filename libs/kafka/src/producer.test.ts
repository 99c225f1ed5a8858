import { currentTraceIds, initTelemetry, withSpan } from '@sightline/telemetry';
import { toKafkaMessages } from './producer';

describe('toKafkaMessages', () => {
  beforeAll(() => initTelemetry({ serviceName: 'producer-test' }));

  it('JSON-encodes values, keeps tombstones, and stamps every message with the active trace', async () => {
    const { traceId, messages } = await withSpan('send', async () => ({
      traceId: currentTraceIds().trace_id!,
      messages: toKafkaMessages([
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: null },
        { key: 'c', value: 'x', headers: { origin: 'test' } },
      ]),
    }));
    expect(messages.map((m) => m.value?.toString() ?? null)).toEqual(['{"n":1}', null, '"x"']);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const m of messages) expect(String((m.headers as Record<string, string>).traceparent)).toContain(traceId);
    expect(messages[2]!.headers).toMatchObject({ origin: 'test' });
    expect(messages[0]!.headers).not.toHaveProperty('origin');
  });
});
