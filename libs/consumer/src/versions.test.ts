import { decodeEnriched, decodeErasure, dedupeKeyOf, SUPPORTED_VERSIONS } from './versions';

const event = {
  messageId: 'm1', projectId: 'p1', type: 'track', name: 'Checkout', category: null, properties: {}, traits: {}, anonymousId: 'a', userId: null,
  visitorId: 'a', visitorIndex: 7, mergedVisitorIndexes: [], sessionId: 's', isNewVisitor: false, isNewSession: false,
  timestamp: '2026-12-03T10:00:00.000Z', receivedAt: '2026-12-03T10:00:00.000Z', context: {},
  device: { browser: null, browserVersion: null, os: null, deviceType: 'desktop' }, country: null, referrerDomain: null, source: null, medium: null,
  campaign: null, entryPage: null, previousExitPage: null, isBot: false,
};
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('decoding events.enriched and erasures', () => {
  it('decodes a valid v1 record, filling defaults as the contract does', () => {
    expect(SUPPORTED_VERSIONS).toEqual(['v1']);
    expect(decodeEnriched('v1', bytes('p1:7'), bytes(event))).toEqual({ ok: true, value: { version: 'v1', event } });
    const { mergedVisitorIndexes: _omitted, ...older } = event;
    expect(decodeEnriched('v1', bytes('p1:7'), bytes(older))).toEqual({ ok: true, value: { version: 'v1', event } });
    expect(dedupeKeyOf(event)).toBe('p1:m1');
  });

  it('says which field, key or byte is wrong', () => {
    expect(decodeEnriched('v1', bytes('p1:7'), bytes({ ...event, visitorIndex: -1 }))).toEqual({ ok: false, reason: expect.stringMatching(/^visitorIndex: /) });
    expect(decodeEnriched('v1', bytes('p1:8'), bytes(event))).toEqual({ ok: false, reason: '(key): "p1:8" is not the event\'s projectId:visitorIndex "p1:7"' });
    expect(decodeEnriched('v1', null, bytes(event))).toEqual({ ok: false, reason: expect.stringMatching(/^\(key\): null/) });
    expect(decodeEnriched('v1', bytes('p1:7'), bytes('{'))).toEqual({ ok: false, reason: expect.stringMatching(/^\(value\): invalid JSON/) });
    expect(decodeEnriched('v1', bytes('p1:7'), null)).toEqual({ ok: false, reason: '(value): empty' });
  });

  it('decodes an erasure and refuses one without a projectId', () => {
    const erasure = { requestId: 'r1', projectId: 'p1', visitorIndexes: [7], idHashes: ['0'.repeat(64)], requestedAt: '2026-12-03T10:00:00.000Z' };
    expect(decodeErasure(bytes(erasure))).toEqual({ ok: true, value: erasure });
    // A record written before 2026-12-03 named the ids in plain: still read.
    const older = { requestId: 'r0', projectId: 'p1', visitorIds: ['a'], requestedAt: '2026-12-02T10:00:00.000Z' };
    expect(decodeErasure(bytes(older))).toEqual({ ok: true, value: older });
    expect(decodeErasure(bytes({ ...erasure, projectId: undefined }))).toEqual({ ok: false, reason: expect.stringMatching(/^projectId: /) });
  });
});
