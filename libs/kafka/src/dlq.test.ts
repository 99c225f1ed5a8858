import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADER, REDRIVE_GROUP_HEADER, dlqRecord, isRedriveForOtherGroup, matchesReason, parseDlqRecord, redriveMarker, redriveRecord, type DlqEntry } from './dlq';

const original: KafkaMessage = {
  key: Buffer.from('p1:42'),
  value: Buffer.from(JSON.stringify({ n: 'not a number', request: { ip: '203.0.113.9', userAgent: 'UA' } })),
  headers: { traceparent: Buffer.from('00-abc-def-01'), 'x-custom': 'yes', [REDRIVE_GROUP_HEADER]: Buffer.from('older-group') },
  offset: '17',
  timestamp: '0',
  attributes: 0,
};

/** What the consumer produced, as the broker hands it back (values as Buffers). */
function asConsumed(record: ReturnType<typeof dlqRecord>, offset: string): KafkaMessage {
  return {
    key: record.key === null ? null : Buffer.from(record.key),
    value: Buffer.from(JSON.stringify(record.value)),
    headers: Object.fromEntries(Object.entries(record.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    offset,
    timestamp: '0',
    attributes: 0,
  };
}

describe('DLQ records', () => {
  const record = dlqRecord({ message: original, topic: 'ns.events.raw.v1', partition: 3, reason: 'DatabaseError [22P02]: invalid input', error: { name: 'DatabaseError', code: '22P02' } }, 'ns.session-fingerprint', new Date('2026-12-03T12:00:00Z'));

  it('carries the error name, code and reason, the source, and the original headers', () => {
    expect(record.headers).toEqual({
      traceparent: '00-abc-def-01',
      'x-custom': 'yes',
      [DLQ_HEADER.reason]: 'DatabaseError [22P02]: invalid input',
      [DLQ_HEADER.errorName]: 'DatabaseError',
      [DLQ_HEADER.errorCode]: '22P02',
      [DLQ_HEADER.sourceTopic]: 'ns.events.raw.v1',
      [DLQ_HEADER.sourcePartition]: '3',
      [DLQ_HEADER.sourceOffset]: '17',
      [DLQ_HEADER.group]: 'ns.session-fingerprint',
    });
    expect(record.value).toMatchObject({ topic: 'ns.events.raw.v1', partition: 3, offset: '17', errorName: 'DatabaseError', errorCode: '22P02', scrubbed: ['request.ip', 'request.userAgent'] });
  });

  it('reads back into an entry whose redrive is the original key, bytes (scrubbed) and headers, for the failing group only', () => {
    const entry = parseDlqRecord(0, asConsumed(record, '5')) as DlqEntry;
    expect(entry).toMatchObject({ kind: 'entry', id: '0:5', sourceTopic: 'ns.events.raw.v1', sourcePartition: 3, sourceOffset: '17', errorName: 'DatabaseError', errorCode: '22P02', consumerGroup: 'ns.session-fingerprint', failedAt: '2026-12-03T12:00:00.000Z' });
    const back = redriveRecord(entry);
    expect(back.topic).toBe('ns.events.raw.v1');
    expect(back.key).toBe('p1:42');
    expect(JSON.parse(back.value!.toString())).toEqual({ n: 'not a number', request: { ip: null, userAgent: null } });
    expect(back.headers).toEqual({ traceparent: '00-abc-def-01', 'x-custom': 'yes', [REDRIVE_GROUP_HEADER]: 'ns.session-fingerprint' });
  });

  it('chooses by error name or code', () => {
    const entry = parseDlqRecord(0, asConsumed(record, '5')) as DlqEntry;
    expect(matchesReason(entry, undefined)).toBe(true);
    expect(matchesReason(entry, 'DatabaseError')).toBe(true);
    expect(matchesReason(entry, '22P02')).toBe(true);
    expect(matchesReason(entry, 'DecodeError')).toBe(false);
  });

  it('reads a marker as the note of which entry was sent back', () => {
    const entry = parseDlqRecord(0, asConsumed(record, '5')) as DlqEntry;
    const marker = redriveMarker(entry, new Date(0));
    const read = parseDlqRecord(0, { key: Buffer.from(marker.key), value: Buffer.from(marker.value), headers: { [DLQ_HEADER.redriven]: Buffer.from(marker.headers[DLQ_HEADER.redriven]!) }, offset: '9' });
    expect(read).toEqual({ kind: 'marker', id: '0:9', of: '0:5' });
  });

  it('reads an entry written before the error headers existed as Unknown, and ignores foreign records', () => {
    const old = { key: null, value: Buffer.from(JSON.stringify({ topic: 't', partition: 0, offset: '1', error: 'schema: n expected number', payloadBase64: null })), headers: {}, offset: '2' };
    expect(parseDlqRecord(0, old)).toMatchObject({ kind: 'entry', errorName: 'Unknown', errorCode: null, reason: 'schema: n expected number', value: null });
    expect(parseDlqRecord(0, { key: null, value: Buffer.from('not json'), headers: {}, offset: '3' })).toBeNull();
    expect(parseDlqRecord(0, { key: null, value: null, headers: {}, offset: '4' })).toBeNull();
  });

  it('lets only the failing group take a redriven record', () => {
    expect(isRedriveForOtherGroup({ [REDRIVE_GROUP_HEADER]: Buffer.from('query') }, 'query')).toBe(false);
    expect(isRedriveForOtherGroup({ [REDRIVE_GROUP_HEADER]: Buffer.from('query') }, 'bitmap-aggregator')).toBe(true);
    expect(isRedriveForOtherGroup({ traceparent: 'x' }, 'bitmap-aggregator')).toBe(false);
  });
});
