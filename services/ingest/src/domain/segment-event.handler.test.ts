import fc from 'fast-check';
import { rawEventValue, type RequestFacts } from '@sightline/contracts';
import { toRawEvent, type ConvertOptions } from './segment-event.handler';

const request: RequestFacts = { ip: '192.0.2.1', userAgent: 'UA', acceptLanguage: 'en', dnt: false, gpc: false };
const options = (overrides: Partial<ConvertOptions> = {}): ConvertOptions => ({
  projectId: 'p1',
  receivedAt: new Date(),
  request,
  requireIdentity: true,
  maxEventBytes: 32768,
  futureLimitDays: 7,
  maxAgeDays: 30,
  newMessageId: () => 'generated',
  ...overrides,
});

describe('toRawEvent', () => {
  it('names missing required fields per type', () => {
    const track = toRawEvent({ type: 'track', userId: 'u' }, null, options());
    expect(track).toMatchObject({ ok: false, fields: [{ path: 'event' }] });
    const anon = toRawEvent({ type: 'page' }, null, options());
    expect(anon).toMatchObject({ ok: false, fields: [{ path: 'userId', reason: 'userId or anonymousId is required' }] });
    expect(toRawEvent({ type: 'page' }, null, options({ requireIdentity: false })).ok).toBe(true);
    expect(toRawEvent({ type: 'alias', userId: 'u' }, null, options())).toMatchObject({ ok: false, fields: [{ path: 'previousId' }] });
  });
  it('moves context.ip into the transient request facts and fills page context from properties', () => {
    const result = toRawEvent({ type: 'page', anonymousId: 'a', name: 'Home', properties: { url: 'https://x/a', title: 'T' }, context: { ip: '198.51.100.2', userAgent: 'Browser UA' } }, null, options());
    if (!result.ok) throw new Error(result.reason);
    expect(result.event.context).not.toHaveProperty('ip');
    expect(result.event.context.page).toEqual({ url: 'https://x/a', title: 'T' });
    expect(result.event.request).toMatchObject({ ip: '198.51.100.2', userAgent: 'Browser UA' });
    expect(result.event.event).toBe('Home');
  });
  it('flags oversized events so single endpoints answer 413', () => {
    const result = toRawEvent({ type: 'track', userId: 'u', event: 'e', properties: { big: 'x'.repeat(40000) } }, null, options());
    expect(result).toMatchObject({ ok: false, tooLarge: true });
  });
  it('refuses events too old for the project, naming timestamp', () => {
    const old = new Date(Date.now() - 40 * 86400_000).toISOString();
    expect(toRawEvent({ type: 'track', userId: 'u', event: 'e', timestamp: old }, null, options())).toMatchObject({ ok: false, fields: [{ path: 'timestamp' }] });
  });

  it('either yields a valid RawEvent or names at least one field, for any input (property)', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.dictionary(fc.string(), fc.string()));
    const message = fc.record(
      {
        type: fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias', 'bogus'),
        event: value,
        name: value,
        userId: value,
        anonymousId: value,
        previousId: value,
        groupId: value,
        messageId: value,
        timestamp: fc.oneof(value, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        properties: value,
        traits: value,
        context: fc.oneof(value, fc.record({ page: value, userAgent: value, ip: value }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(message, fc.anything()), (input) => {
        const result = toRawEvent(input, null, options({ requireIdentity: false }));
        if (result.ok) expect(rawEventValue.safeParse(result.event).success).toBe(true);
        else expect(result.fields.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
