import { decodeBase64Json, fromTheEye, jsonpCallback, parseHiiTrackBatch } from './seed-messages.handler';
import { fromFizzStat, isFizzStatMessage } from './fizzstat.handler';

describe('seed mappings', () => {
  it('decodes HiiTrack batches', () => {
    const encoded = Buffer.from(JSON.stringify([['a', 'b'], [['plan', 'pro']]])).toString('base64url');
    const decoded = decodeBase64Json(encoded);
    expect(decoded.ok && parseHiiTrackBatch(decoded.value)).toEqual({ ok: true, value: { events: ['a', 'b'], properties: [['plan', 'pro']] } });
    expect(parseHiiTrackBatch([['a'], [['only-name']]])).toMatchObject({ ok: false });
    expect(decodeBase64Json('not base64 json')).toMatchObject({ ok: false });
  });
  it('accepts only identifiers as JSONP callbacks', () => {
    expect(jsonpCallback.safeParse('jQuery123.cb_1').success).toBe(true);
    expect(jsonpCallback.safeParse('alert(1)//').success).toBe(false);
  });
  it("maps The Eye's session to the anonymousId", () => {
    expect(fromTheEye({ session_id: 's', category: 'c', name: 'n', data: { a: 1 }, timestamp: 't' })).toMatchObject({ type: 'track', event: 'n', category: 'c', anonymousId: 's', properties: { a: 1 } });
  });
  it("maps FizzStat's events", () => {
    expect(isFizzStatMessage({ event_type: 'exit' })).toBe(true);
    expect(fromFizzStat({ event_type: 'exit', value: 'https://out.example/x' }, 'https://site/a')).toMatchObject({ type: 'track', event: '$outbound', properties: { url: 'https://out.example/x' }, context: { page: { url: 'https://site/a' } } });
    expect(fromFizzStat({ event_type: 'entry', value: 'https://ref.example/' }, 'https://site/a')).toMatchObject({ type: 'page', context: { page: { url: 'https://site/a', referrer: 'https://ref.example/' } } });
    expect(fromFizzStat({ event_type: 'video', value: 3, data: { id: 'v1' } }, undefined)).toMatchObject({ type: 'track', event: 'video', properties: { value: 3, id: 'v1' } });
  });
});
