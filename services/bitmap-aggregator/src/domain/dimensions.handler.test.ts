import { dimensionsOf, isDimension } from './dimensions.handler';

const base = { name: 'signup', traits: { plan: 'pro', seats: 3, vip: true, nested: { a: 1 } }, source: 'newsletter', medium: null, campaign: 'spring', device: { browser: 'Firefox', browserVersion: '1', os: 'Linux', deviceType: 'desktop' as const }, isBot: false, isNewVisitor: true };

describe('dimensions', () => {
  it('lists every dimension of an event', () => {
    expect(dimensionsOf(base, true).sort()).toEqual(
      ['$active', '$new', 'event:signup', 'source:newsletter', 'campaign:spring', 'browser:Firefox', 'os:Linux', 'device:desktop', 'trait:plan=pro', 'trait:seats=3', 'trait:vip=true'].sort(),
    );
  });

  it('adds page, entry page, referrer, country and utm content/term', () => {
    const pageview = { ...base, name: '$pageview', referrerDomain: 'news.example', country: 'FR', isNewSession: true, entryPage: '/welcome', context: { page: { url: 'https://shop.example/p/1?utm_content=banner&utm_term=shoes' } } };
    const dims = dimensionsOf(pageview, true);
    expect(dims.filter((d) => /^(page|entryPage|referrer|country|utmContent|utmTerm):/.test(d)).sort()).toEqual(
      ['page:/p/1', 'entryPage:/welcome', 'referrer:news.example', 'country:FR', 'utmContent:banner', 'utmTerm:shoes'].sort(),
    );
    // Only a pageview has a page, only a session's first event an entry page; Segment's campaign object wins over the URL.
    const later = dimensionsOf({ ...pageview, name: 'click', isNewSession: false, context: { page: { path: '/p/2' }, campaign: { content: 'c', term: 't' } } }, true);
    expect(later.filter((d) => /^(page|entryPage|utmContent|utmTerm):/.test(d)).sort()).toEqual(['utmContent:c', 'utmTerm:t']);
  });

  it('keeps only allow-listed trait keys when a list is configured', () => {
    expect(dimensionsOf(base, true, new Set(['plan'])).filter((d) => d.startsWith('trait:'))).toEqual(['trait:plan=pro']);
  });

  it('puts bot events only in $bot when the project filters bots', () => {
    expect(dimensionsOf({ ...base, isBot: true }, true)).toEqual(['$bot']);
    expect(dimensionsOf({ ...base, isBot: true }, false)).toContain('$active');
  });

  it('validates dimension names', () => {
    expect(['$active', '$new', 'event:a', 'trait:plan=pro', 'source:x', 'device:mobile', 'page:/', 'exitPage:/a', 'country:FR'].every(isDimension)).toBe(true);
    expect(['nope', 'trait:plan', 'color:red', 'event:', '$x', 'exitOpen:/a', 'constructor:x', '__proto__:x'].some(isDimension)).toBe(false);
  });
});
