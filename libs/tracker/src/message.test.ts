import fc from 'fast-check';
import { randomFillSync } from 'node:crypto';
import { campaignOf, isRetriable, linkEvent, retryAfterMs, uuid, withoutHash } from './message';

describe('campaignOf', () => {
  it('maps utm_* parameters onto Segment campaign fields', () => {
    expect(campaignOf('?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=top&x=1')).toEqual({
      source: 'news',
      medium: 'email',
      name: 'spring',
      term: 'shoes',
      content: 'top',
    });
  });

  it('is undefined without utm parameters and ignores empty ones', () => {
    expect(campaignOf('?page=2&utm_source=')).toBeUndefined();
    expect(campaignOf('')).toBeUndefined();
  });
});

describe('linkEvent', () => {
  const here = 'https://shop.example.com/products?id=1';

  it('tells outbound links, downloads and internal links apart', () => {
    expect(linkEvent('https://other.example.org/a', here)).toBe('$outbound');
    expect(linkEvent('/files/report.PDF', here)).toBe('$download');
    expect(linkEvent('https://cdn.example.net/app.dmg', here)).toBe('$download');
    expect(linkEvent('/export', here, true)).toBe('$download');
    expect(linkEvent('/cart', here)).toBeUndefined();
    expect(linkEvent('https://shop.example.com:8443/', here)).toBe('$outbound');
  });

  it('ignores non-web links and garbage', () => {
    expect(linkEvent('mailto:someone@example.com', here)).toBeUndefined();
    expect(linkEvent('javascript:void(0)', here)).toBeUndefined();
    expect(linkEvent('http://[bad', here)).toBeUndefined();
  });
});

describe('uuid', () => {
  it('is a version 4 RFC 4122 id for any random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(uuid((b) => (b.set(bytes), b))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }),
    );
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuid((b) => randomFillSync(b))));
    expect(ids.size).toBe(1000);
  });
});

describe('collector answers', () => {
  it('reads Retry-After seconds', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  });

  it('retries only what a retry can fix', () => {
    expect([200, 400, 401, 403, 404, 413].map(isRetriable)).toEqual([false, false, false, false, false, false]);
    expect([408, 429, 500, 502, 503].map(isRetriable)).toEqual([true, true, true, true, true]);
  });

  it('never sends a URL fragment', () => {
    expect(withoutHash('https://a.example/cb#access_token=secret')).toBe('https://a.example/cb');
    expect(withoutHash('https://a.example/x?y=1')).toBe('https://a.example/x?y=1');
  });
});
