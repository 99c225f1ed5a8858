import { sourceOf, userAgentFacts } from './enrich.handler';

const attributionOf = (ctx: Parameters<typeof sourceOf>[0]) => sourceOf(ctx).attribution;
import { fingerprintOf, saltDayOf, saltUsable } from './fingerprint.handler';

describe('attribution', () => {
  it('prefers utm tags', () => {
    const ctx = { page: { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday', referrer: 'https://mail.google.com/' } };
    expect(sourceOf(ctx)).toEqual({
      attribution: { referrerDomain: 'mail.google.com', source: 'newsletter', medium: 'email', campaign: 'black-friday' },
      campaignKey: 'newsletter|email|black-friday',
      page: '/',
    });
  });
  it('maps well-known referrers', () => {
    expect(attributionOf({ page: { url: 'https://shop.example/', referrer: 'https://www.google.co.uk/search?q=x' } })).toMatchObject({ referrerDomain: 'google.co.uk', source: 'google', medium: 'organic' });
    expect(attributionOf({ page: { url: 'https://shop.example/', referrer: 'https://t.co/abc' } })).toMatchObject({ source: 'twitter', medium: 'social' });
    expect(attributionOf({ page: { url: 'https://shop.example/', referrer: 'https://blog.other.org/post' } })).toMatchObject({ source: 'blog.other.org', medium: 'referral' });
  });
  it('treats no referrer as direct and an own-site referrer as internal', () => {
    expect(attributionOf({ page: { url: 'https://shop.example/' } })).toMatchObject({ source: 'direct', medium: 'none' });
    expect(attributionOf({ page: { url: 'https://shop.example/b', referrer: 'https://shop.example/a' } })).toMatchObject({ source: null, referrerDomain: null });
    expect(sourceOf({}).campaignKey).toBeNull();
  });
  it('reads the page path', () => {
    expect(sourceOf({ page: { url: 'https://shop.example/p/1?x=2' } }).page).toBe('/p/1');
    expect(sourceOf({ page: { path: '/given' } }).page).toBe('/given');
  });
});

describe('user agent', () => {
  it('parses browser, os and device type, and flags bots', () => {
    expect(userAgentFacts('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toEqual({
      isBot: false,
      device: { browser: 'Mobile Safari', browserVersion: '17', os: 'iOS', deviceType: 'mobile' },
    });
    expect(userAgentFacts('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36').device).toMatchObject({ browser: 'Chrome', os: 'Windows', deviceType: 'desktop' });
    expect(userAgentFacts('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')).toMatchObject({ isBot: true, device: { deviceType: 'bot' } });
  });
});

describe('fingerprint', () => {
  const facts = { ip: '203.0.113.7', userAgent: 'UA', acceptLanguage: 'en' };
  it('is stable for one salt and differs across salts and projects', () => {
    const day1 = Buffer.alloc(32, 1);
    const day2 = Buffer.alloc(32, 2);
    expect(fingerprintOf(day1, 'p', facts)).toBe(fingerprintOf(day1, 'p', facts));
    expect(fingerprintOf(day1, 'p', facts)).not.toBe(fingerprintOf(day2, 'p', facts));
    expect(fingerprintOf(day1, 'p', facts)).not.toBe(fingerprintOf(day1, 'q', facts));
    expect(fingerprintOf(day1, 'p', facts)).not.toContain('203');
  });
  it('uses the UTC day of receipt and a 48 h salt lifetime', () => {
    expect(saltDayOf('2026-11-25T23:30:00-02:00')).toBe('2026-11-26');
    expect(saltUsable('2026-11-25', new Date('2026-11-26T23:59:59Z'))).toBe(true);
    expect(saltUsable('2026-11-25', new Date('2026-11-27T00:00:00Z'))).toBe(false);
  });
});
