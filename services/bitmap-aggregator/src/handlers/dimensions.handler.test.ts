import { dimensionsOf, isDimension } from './dimensions.handler';

const base = { name: 'signup', traits: { plan: 'pro', seats: 3, vip: true, nested: { a: 1 } }, source: 'newsletter', medium: null, campaign: 'spring', device: { browser: 'Firefox', browserVersion: '1', os: 'Linux', deviceType: 'desktop' as const }, isBot: false, isNewVisitor: true };

describe('dimensions', () => {
  it('lists every dimension of an event', () => {
    expect(dimensionsOf(base, true).sort()).toEqual(
      ['$active', '$new', 'event:signup', 'source:newsletter', 'campaign:spring', 'browser:Firefox', 'os:Linux', 'device:desktop', 'trait:plan=pro', 'trait:seats=3', 'trait:vip=true'].sort(),
    );
  });

  it('keeps only allow-listed trait keys when a list is configured', () => {
    expect(dimensionsOf(base, true, new Set(['plan'])).filter((d) => d.startsWith('trait:'))).toEqual(['trait:plan=pro']);
  });

  it('puts bot events only in $bot when the project filters bots', () => {
    expect(dimensionsOf({ ...base, isBot: true }, true)).toEqual(['$bot']);
    expect(dimensionsOf({ ...base, isBot: true }, false)).toContain('$active');
  });

  it('validates dimension names', () => {
    expect(['$active', '$new', 'event:a', 'trait:plan=pro', 'source:x', 'device:mobile'].every(isDimension)).toBe(true);
    expect(['nope', 'trait:plan', 'color:red', 'event:', '$x'].some(isDimension)).toBe(false);
  });
});
