import fc from 'fast-check';
import { BASIC_PATHS, CONTEXT_PATHS, eventBasics, expectSameAsZod, nullable, str, timestamp } from '../../test/plain-arbitraries';
import { enrichedEventValue } from './index';
import { isPlainEnrichedEvent } from './plain';

/** Events as the fingerprint service writes them. */
const validEvent = fc.record({
  ...eventBasics,
  name: str(256, 1),
  anonymousId: nullable(str(40)),
  userId: nullable(str(40)),
  visitorId: str(40, 1),
  visitorIndex: fc.nat(),
  mergedVisitorIndexes: fc.array(fc.nat(), { maxLength: 3 }),
  sessionId: str(40, 1),
  isNewVisitor: fc.boolean(),
  isNewSession: fc.boolean(),
  timestamp,
  receivedAt: timestamp,
  device: fc.record({ browser: nullable(str(20)), browserVersion: nullable(str(10)), os: nullable(str(20)), deviceType: fc.constantFrom('desktop', 'mobile', 'tablet', 'bot', 'other') }),
  country: nullable(str(2)),
  referrerDomain: nullable(str(40)),
  source: nullable(str(40)),
  medium: nullable(str(40)),
  campaign: nullable(str(40)),
  entryPage: nullable(str(40)),
  previousExitPage: nullable(str(40)),
  isBot: fc.boolean(),
});

describe('isPlainEnrichedEvent', () => {
  it('accepts what zod accepts unchanged, and nothing that zod rejects or would change', () => {
    expectSameAsZod(validEvent, enrichedEventValue, isPlainEnrichedEvent, [
      ...BASIC_PATHS, 'name', 'visitorIndex', 'mergedVisitorIndexes', 'sessionId',
      'isNewVisitor', 'timestamp', 'receivedAt', 'device', 'device.deviceType', 'device.browser', 'device.extra', 'country', 'isBot', 'visitorId',
      ...CONTEXT_PATHS,
    ]);
  });

  it('leaves to zod an event without mergedVisitorIndexes, which zod fills in', () => {
    const [event] = fc.sample(validEvent, { numRuns: 1, seed: 7 });
    const value = JSON.parse(JSON.stringify({ ...event!, mergedVisitorIndexes: undefined, timestamp: '2026-11-29T12:00:00.000Z', receivedAt: '2026-11-29T12:00:00.000Z' }));
    expect(isPlainEnrichedEvent(value)).toBe(false);
    expect(enrichedEventValue.parse(value).mergedVisitorIndexes).toEqual([]);
  });
});
