import { mergeSettings, toProjectConfig } from './project-config';

describe('project settings', () => {
  it('fills the contract defaults and merges a partial retention change field by field', () => {
    const initial = mergeSettings({}, {});
    expect(initial.retention).toEqual({ minuteBucketDays: 2, hourBucketDays: 90, maxEventAgeDays: 30, eventStoreMonths: null });
    const changed = mergeSettings({ ...initial, sessionTimeoutMinutes: 45 }, { retention: { hourBucketDays: 400 } });
    expect(changed.retention).toEqual({ ...initial.retention, hourBucketDays: 400 });
    expect(changed.sessionTimeoutMinutes).toBe(45);
  });

  it('publishes both write keys during a rotation', () => {
    const row = {
      id: 'p1', accountId: 'a1', name: 'Site', slug: 'site', writeKey: 'wk_newnewnew', previousWriteKey: 'wk_oldoldold', timeZone: 'UTC', allowedOrigins: ['*'],
      enabled: true, cookieless: true, botFiltering: true, settings: {}, createdAt: new Date(0), updatedAt: new Date(1000), account: { slug: 'acme' },
    };
    const config = toProjectConfig(row);
    expect(config.writeKeys).toEqual(['wk_newnewnew', 'wk_oldoldold']);
    expect(config).toMatchObject({ projectId: 'p1', accountSlug: 'acme', slug: 'site', updatedAt: '1970-01-01T00:00:01.000Z' });
  });
});
