import type { KafkaMessage } from 'kafkajs';
import { enrichedEventValue, erasureValue, isPlainEnrichedEvent, type EnrichedEventParsed, type Erasure } from '@sightline/contracts';
import { jsonDecoder, type DecodeResult } from './batch-consumer';

/** What a projection (aggregator, query) consumes: enriched events and erasure requests. */
export type ProjectionInput = { kind: 'event'; event: EnrichedEventParsed } | { kind: 'erasure'; erasure: Erasure };

const decodeEvent = jsonDecoder(enrichedEventValue, isPlainEnrichedEvent);
const decodeErasure = jsonDecoder(erasureValue);

/** The `decode` of a projection's consumer: erasures from the erasures topic, events from any other. */
export function projectionDecoder(erasuresTopic: string) {
  return (message: KafkaMessage, topic: string): DecodeResult<ProjectionInput> => {
    if (topic === erasuresTopic) {
      const decoded = decodeErasure(message);
      return decoded.ok ? { ok: true, value: { kind: 'erasure', erasure: decoded.value } } : decoded;
    }
    const decoded = decodeEvent(message);
    return decoded.ok ? { ok: true, value: { kind: 'event', event: decoded.value } } : decoded;
  };
}
