import { clientIp, requestFacts, trustedProxyList } from './request-facts.handler';

describe('clientIp', () => {
  const trusted = trustedProxyList(['10.0.0.0/8', '::1']);
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientIp('203.0.113.9', '1.2.3.4', trusted)).toBe('203.0.113.9');
  });
  it('walks trusted hops from the right and stops at the first untrusted one', () => {
    expect(clientIp('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.1.1', trusted)).toBe('198.51.100.7');
    expect(clientIp('::1', '198.51.100.7', trusted)).toBe('198.51.100.7');
  });
  it('normalises IPv4-mapped addresses and keeps the proxy when the header is garbage', () => {
    expect(clientIp('::ffff:10.0.0.2', 'not-an-ip', trusted)).toBe('10.0.0.2');
    expect(clientIp('::ffff:203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
  });
  it('rejects a bad TRUSTED_PROXIES entry', () => {
    expect(() => trustedProxyList(['proxy.local'])).toThrow(/TRUSTED_PROXIES/);
  });
});

describe('requestFacts', () => {
  it('reads the headers the fingerprint needs', () => {
    const facts = requestFacts('127.0.0.1', { 'user-agent': 'UA', 'accept-language': 'de', dnt: '1', 'sec-gpc': '1' }, trustedProxyList([]));
    expect(facts).toEqual({ ip: '127.0.0.1', userAgent: 'UA', acceptLanguage: 'de', dnt: true, gpc: true, clientKind: 'server' });
  });

  it('marks browser endpoints, whose User-Agent is the visitor\'s own', () => {
    expect(requestFacts('127.0.0.1', { 'user-agent': 'UA' }, trustedProxyList([]), 'browser').clientKind).toBe('browser');
  });
});
