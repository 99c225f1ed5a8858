import { createTenant, type Tenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';
import { SETTING_BOUNDS, toProjectConfig } from '../domain/project-config';

/** Issue #16, finding 4: every project setting is bounded to a documented range. */
describe('project settings bounds (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  let t: Tenant;
  beforeAll(async () => {
    gw = await startTestGateway();
    api = apiClient(gw.url);
    t = await createTenant(api, 'Bounds');
  });
  afterAll(() => gw.stop());

  const over: Array<[string, Record<string, unknown>]> = [
    ['retention.maxEventAgeDays', { retention: { maxEventAgeDays: 10_001 } }],
    ['retention.minuteBucketDays', { retention: { minuteBucketDays: 10_000 } }],
    ['retention.hourBucketDays', { retention: { hourBucketDays: 10_001 } }],
    ['retention.eventStoreMonths', { retention: { eventStoreMonths: 100_000 } }],
    ['rateLimit.eventsPerSecond', { rateLimit: { eventsPerSecond: 1e12, burst: 10 } }],
    ['rateLimit.burst', { rateLimit: { eventsPerSecond: 10, burst: 1e12 } }],
    ['sessionTimeoutMinutes', { sessionTimeoutMinutes: 10_000_000 }],
    ['dimensionValuesPerDay', { dimensionValuesPerDay: 100_001 }],
  ];

  it('finding 4: a setting above its documented range is a 400 naming it, on update and on create', async () => {
    for (const [field, body] of over) {
      const patched = await api('PATCH', `/v1/projects/${t.projectId}`, { basic: t.admin, body });
      expect({ field, status: patched.status, named: patched.body.error?.field }).toEqual({ field, status: 400, named: field });
      const created = await api('POST', `/v1/accounts/${t.accountId}/projects`, { basic: t.admin, body: { name: 'over', ...body } });
      expect({ field, status: created.status }).toEqual({ field, status: 400 });
    }
    const project = await api('GET', `/v1/projects/${t.projectId}`, { basic: t.admin });
    expect(project.body.project.retention.maxEventAgeDays).toBe(30);
    expect(project.body.project.dimensionValuesPerDay).toBe(10_000);
  });

  it('finding 4: every setting accepts the top of its range', async () => {
    const top = {
      retention: { maxEventAgeDays: SETTING_BOUNDS.maxEventAgeDays.max, minuteBucketDays: SETTING_BOUNDS.minuteBucketDays.max, hourBucketDays: SETTING_BOUNDS.hourBucketDays.max, eventStoreMonths: SETTING_BOUNDS.eventStoreMonths.max },
      rateLimit: { eventsPerSecond: SETTING_BOUNDS.eventsPerSecond.max, burst: SETTING_BOUNDS.burst.max },
      sessionTimeoutMinutes: SETTING_BOUNDS.sessionTimeoutMinutes.max,
      dimensionValuesPerDay: SETTING_BOUNDS.dimensionValuesPerDay.max,
    };
    const patched = await api('PATCH', `/v1/projects/${t.projectId}`, { basic: t.admin, body: top });
    expect(patched.status).toBe(200);
    expect(patched.body.project).toMatchObject(top);
    // The aggregator reads the cap from projects.v1.
    expect(toProjectConfig((await gw.deps.projects.get(t.projectId))!).dimensionValuesPerDay).toBe(SETTING_BOUNDS.dimensionValuesPerDay.max);
  });

  it('finding 6: a new project has keylessPathWrites off; an admin turns it on and off, and projects.v1 carries it', async () => {
    const t = await createTenant(api, 'Keyless');
    expect((await api('GET', `/v1/projects/${t.projectId}`, { basic: t.admin })).body.project.keylessPathWrites).toBe(false);
    expect(toProjectConfig((await gw.deps.projects.get(t.projectId))!).keylessPathWrites).toBeUndefined();
    const on = await api('PATCH', `/v1/projects/${t.projectId}`, { basic: t.admin, body: { keylessPathWrites: true } });
    expect(on.body.project.keylessPathWrites).toBe(true);
    expect(toProjectConfig((await gw.deps.projects.get(t.projectId))!).keylessPathWrites).toBe(true);
    await api('PATCH', `/v1/projects/${t.projectId}`, { basic: t.admin, body: { keylessPathWrites: false } });
    expect(toProjectConfig((await gw.deps.projects.get(t.projectId))!).keylessPathWrites).toBe(false);
    expect((await api('PATCH', `/v1/projects/${t.projectId}`, { bearer: t.readKey, body: { keylessPathWrites: true } })).status).toBe(403);
  });
});
