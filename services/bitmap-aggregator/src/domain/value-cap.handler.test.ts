import { AdmissionCache, admittedExpiry, capKindOf, dayLabeler, otherOf } from './value-cap.handler';

describe('value cap', () => {
  it('counts each trait key and each other kind apart, and never caps the fixed dimensions', () => {
    expect(['page:/a', 'trait:plan=pro', 'trait:plan=a=b', 'exitOpen:/x', '$active', 'device:mobile', '$new'].map(capKindOf)).toEqual(['page', 'trait:plan', 'trait:plan', 'exitOpen', null, null, null]);
    expect(otherOf('page')).toBe('page:(other)');
    expect(otherOf('trait:plan')).toBe('trait:plan=(other)');
  });

  it('labels days in the project zone and keeps a day\'s admissions two days after it ends', () => {
    const dayOf = dayLabeler('America/New_York');
    expect(dayOf(Date.parse('2026-11-26T04:59:00Z'))).toBe('2026-11-25');
    expect(dayOf(Date.parse('2026-11-26T05:00:00Z'))).toBe('2026-11-26');
    expect(admittedExpiry('2026-11-25', 'America/New_York', Date.parse('2026-11-25T12:00:00Z'))).toBe(Date.parse('2026-11-28T05:00:00Z') / 1000);
    // A replay of an old day keeps its set a day from now.
    expect(admittedExpiry('2026-11-25', 'UTC', Date.parse('2026-12-10T00:00:00Z'))).toBe(Date.parse('2026-12-11T00:00:00Z') / 1000);
  });

  it('keeps what it learnt per project, within a bound', () => {
    const cache = new AdmissionCache(2);
    cache.set('p1', '2026-11-25', 'page:/a', true);
    expect(cache.get('p2', '2026-11-25', 'page:/a')).toBeUndefined();
    cache.set('p1', '2026-11-25', 'page:/b', false);
    expect(cache.get('p1', '2026-11-25', 'page:/b')).toBe(false);
    cache.set('p1', '2026-11-25', 'page:/c', true);
    expect(cache.get('p1', '2026-11-25', 'page:/a')).toBeUndefined();
  });
});
