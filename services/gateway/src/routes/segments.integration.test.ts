import { createTenant, type Tenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';
import { MAX_SEGMENTS } from './segments.routes';

/** Issue #15 §3: saved segments, the dashboard's global filters under a name, per project. */
describe('saved segments (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  let t: Tenant;
  let other: Tenant;
  const path = (tenant: Tenant, name?: string) => `/v1/projects/${tenant.projectId}/segments${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  const mobileFr = [
    { dim: 'device', op: 'is', values: ['mobile'] },
    { dim: 'country', op: 'isNot', values: ['FR', 'DE'] },
  ];
  beforeAll(async () => {
    gw = await startTestGateway();
    api = apiClient(gw.url);
    t = await createTenant(api, 'Segments');
    other = await createTenant(api, 'Segments other');
  });
  afterAll(() => gw.stop());

  it('saves, lists (a read key may), overwrites and deletes a segment', async () => {
    const saved = await api('PUT', path(t, 'Mobile outside FR'), { basic: t.admin, body: { filters: mobileFr } });
    expect(saved.status).toBe(200);
    expect(saved.body.segment).toMatchObject({ name: 'Mobile outside FR', filters: mobileFr });
    const blog = [{ dim: 'page', op: 'contains', values: ['/blog'] }, { dim: 'trait:plan', op: 'is', values: ['pro'] }];
    expect((await api('PUT', path(t, 'blog'), { basic: t.admin, body: { filters: blog } })).status).toBe(200);

    const listed = await api('GET', path(t), { bearer: t.readKey });
    expect(listed.status).toBe(200);
    expect(listed.body.segments.map((s: { name: string; filters: unknown }) => [s.name, s.filters])).toEqual([
      ['Mobile outside FR', mobileFr],
      ['blog', blog],
    ]);

    const desktop = [{ dim: 'device', op: 'is', values: ['desktop'] }];
    const over = await api('PUT', path(t, 'Mobile outside FR'), { basic: t.admin, body: { filters: desktop } });
    expect(over.status).toBe(200);
    expect(over.body.segment.filters).toEqual(desktop);
    expect(over.body.segment.createdAt).toBe(saved.body.segment.createdAt);
    const after = await api('GET', path(t), { basic: t.admin });
    expect(after.body.segments.map((s: { name: string; filters: unknown }) => [s.name, s.filters])).toEqual([
      ['Mobile outside FR', desktop],
      ['blog', blog],
    ]);

    expect((await api('DELETE', path(t, 'blog'), { basic: t.admin })).status).toBe(204);
    expect((await api('DELETE', path(t, 'blog'), { basic: t.admin })).status).toBe(404);
    expect((await api('GET', path(t), { basic: t.admin })).body.segments.map((s: { name: string }) => s.name)).toEqual(['Mobile outside FR']);
  });

  it('another tenant can neither list nor save nor delete (404); a viewer or a read key cannot save or delete (403)', async () => {
    expect((await api('PUT', path(t, 'kept'), { basic: t.admin, body: { filters: mobileFr } })).status).toBe(200);
    expect((await api('GET', path(t), { basic: other.admin })).status).toBe(404);
    expect((await api('GET', path(t), { bearer: other.readKey })).status).toBe(404);
    expect((await api('DELETE', path(t, 'kept'), { basic: other.admin })).status).toBe(404);
    expect((await api('PUT', path(t, 'kept'), { basic: other.admin, body: { filters: [] } })).status).toBe(404);
    expect((await api('GET', path(other), { basic: other.admin })).body.segments).toEqual([]);

    const viewer = { email: `viewer-${t.projectId}@example.com`.toLowerCase(), password: 'a long enough password' };
    expect((await api('POST', `/v1/accounts/${t.accountId}/members`, { basic: t.admin, body: { ...viewer, role: 'viewer' } })).status).toBe(201);
    expect((await api('GET', path(t), { basic: viewer })).status).toBe(200);
    expect((await api('PUT', path(t, 'viewer'), { basic: viewer, body: { filters: mobileFr } })).status).toBe(403);
    expect((await api('DELETE', path(t, 'kept'), { basic: viewer })).status).toBe(403);
    expect((await api('PUT', path(t, 'key'), { bearer: t.readKey, body: { filters: mobileFr } })).status).toBe(403);
    expect((await api('DELETE', path(t, 'kept'), { bearer: t.readKey })).status).toBe(403);
    const names = (await api('GET', path(t), { basic: t.admin })).body.segments.map((s: { name: string }) => s.name);
    expect(names).toContain('kept');
    expect(names).not.toContain('viewer');
    expect(names).not.toContain('key');
  });

  it('a bad body or name is a 400 naming the field', async () => {
    const bad: Array<[string, string, unknown]> = [
      ['ok', 'filters', {}],
      ['ok', 'filters', { filters: [] }],
      ['ok', 'filters', { filters: Array.from({ length: 9 }, () => mobileFr[0]) }],
      ['ok', 'filters.0.dim', { filters: [{ dim: 'shoeSize', op: 'is', values: ['42'] }] }],
      ['ok', 'filters.0.op', { filters: [{ dim: 'page', op: 'startsWith', values: ['/a'] }] }],
      ['ok', 'filters.0.values', { filters: [{ dim: 'page', op: 'is', values: [] }] }],
      ['ok', 'filters.0.values.0', { filters: [{ dim: 'page', op: 'is', values: ['x'.repeat(201)] }] }],
      ['ok', 'filters.0.values', { filters: [{ dim: 'page', op: 'is', values: Array.from({ length: 51 }, (_, i) => `/p${i}`) }] }],
      ['-dash first', 'name', { filters: mobileFr }],
      ['x'.repeat(101), 'name', { filters: mobileFr }],
    ];
    for (const [name, field, body] of bad) {
      const reply = await api('PUT', path(t, name), { basic: t.admin, body });
      expect({ field, status: reply.status, named: reply.body.error?.field }).toEqual({ field, status: 400, named: field });
    }
    expect((await api('GET', path(t), { basic: t.admin })).body.segments.map((s: { name: string }) => s.name)).not.toContain('ok');
  });

  it(`at most ${MAX_SEGMENTS} segments per project; an existing one can still be replaced`, async () => {
    const fresh = await createTenant(api, 'Segments cap');
    const filters = [{ dim: 'event', op: 'is', values: ['signup'] }];
    for (let i = 0; i < MAX_SEGMENTS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => api('PUT', path(fresh, `s${String(i + j).padStart(3, '0')}`), { basic: fresh.admin, body: { filters } })));
      expect(batch.map((r) => r.status)).toEqual(Array(10).fill(200));
    }
    const refused = await api('PUT', path(fresh, 'one too many'), { basic: fresh.admin, body: { filters } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('name');
    expect((await api('PUT', path(fresh, 's000'), { basic: fresh.admin, body: { filters: mobileFr } })).status).toBe(200);
    const listed = (await api('GET', path(fresh), { basic: fresh.admin })).body.segments;
    expect(listed).toHaveLength(MAX_SEGMENTS);
    expect(listed[0]).toMatchObject({ name: 's000', filters: mobileFr });
    expect((await api('DELETE', path(fresh, 's001'), { basic: fresh.admin })).status).toBe(204);
    expect((await api('PUT', path(fresh, 'one too many'), { basic: fresh.admin, body: { filters } })).status).toBe(200);
  });
});
