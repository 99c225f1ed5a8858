import fc from 'fast-check';
import { BASIC_PATHS, CONTEXT_PATHS, eventBasics, expectSameAsZod, nullable, str, timestamp } from '../../test/plain-arbitraries';
import { rawEventValue } from './index';
import { isPlainRawEvent } from './plain';

/** Raw events as the ingest service writes them. */
const validEvent = fc.record({
  ...eventBasics,
  event: nullable(str(256, 1)),
  anonymousId: nullable(str(256, 1)),
  userId: nullable(str(256, 1)),
  previousId: nullable(str(40, 1)),
  groupId: nullable(str(40, 1)),
  originalTimestamp: nullable(timestamp),
  sentAt: nullable(timestamp),
  receivedAt: timestamp,
  timestamp,
  request: fc.record({
    ip: nullable(fc.constantFrom('203.0.113.7', '2001:db8::1', 'x'.repeat(64))),
    userAgent: nullable(str(1024)),
    acceptLanguage: nullable(str(512)),
    dnt: fc.boolean(),
    gpc: fc.boolean(),
    clientKind: fc.constantFrom('browser', 'server'),
  }),
});

describe('isPlainRawEvent', () => {
  it('accepts what zod accepts unchanged, and nothing that zod rejects or would change', () => {
    expectSameAsZod(validEvent, rawEventValue, isPlainRawEvent, [
      ...BASIC_PATHS, 'event', 'anonymousId', 'userId', 'previousId', 'groupId',
      'originalTimestamp', 'sentAt', 'receivedAt', 'timestamp', 'request', 'request.ip', 'request.dnt', 'request.clientKind', 'request.extra',
      ...CONTEXT_PATHS,
    ]);
  });

  it('leaves to zod a record from before clientKind, which zod defaults to browser', () => {
    const [event] = fc.sample(validEvent, { numRuns: 1, seed: 7 });
    const value = JSON.parse(JSON.stringify({ ...event!, request: { ...event!.request, clientKind: undefined }, timestamp: '2026-11-29T12:00:00.000Z', receivedAt: '2026-11-29T12:00:00.000Z' }));
    expect(isPlainRawEvent(value)).toBe(false);
    expect(rawEventValue.parse(value).request.clientKind).toBe('browser');
  });
});
