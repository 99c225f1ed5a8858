import { json, readAll, uniqueId, waitFor } from '@sightline/testing';
import { projectConfigValue } from '@sightline/contracts';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

describe('accounts, projects and keys (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  const admin = { email: `${uniqueId('admin')}@example.com`, password: 'correct horse battery' };

  beforeAll(async () => {
    gw = await startTestGateway();
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('signs up, creates a project that is published to projects.v1, and issues a read key shown once', async () => {
    const signup = await api('POST', '/v1/accounts', { body: { name: 'Acme Inc.', ...admin } });
    expect(signup.status).toBe(201);
    expect(signup.body.account).toMatchObject({ name: 'Acme Inc.', slug: 'acme-inc' });
    expect(signup.body.member).toMatchObject({ email: admin.email, role: 'admin' });
    const accountId = signup.body.account.id;

    const created = await api('POST', `/v1/accounts/${accountId}/projects`, { basic: admin, body: { name: 'Web Site', timeZone: 'Europe/Paris', allowedOrigins: ['https://acme.test'] } });
    expect(created.status).toBe(201);
    const project = created.body.project;
    expect(project).toMatchObject({ accountId, name: 'Web Site', slug: 'web-site', timeZone: 'Europe/Paris', allowedOrigins: ['https://acme.test'] });
    expect(project.writeKey).toMatch(/^wk_/);

    const published = await waitFor(async () => (await readAll(gw.topics.projects)).find((m) => m.key?.toString() === project.id));
    const config = projectConfigValue.parse(json(published));
    expect(config).toMatchObject({ projectId: project.id, accountSlug: 'acme-inc', slug: 'web-site', writeKeys: [project.writeKey], timeZone: 'Europe/Paris' });

    const key = await api('POST', `/v1/projects/${project.id}/keys`, { basic: admin, body: { name: 'ci' } });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatchObject({ name: 'ci' });
    expect(key.body.key.secret).toMatch(/^rk_/);
    const listed = await api('GET', `/v1/projects/${project.id}/keys`, { basic: admin });
    expect(listed.body.keys).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(key.body.key.secret);
    const stored = await gw.deps.projects.listReadKeys(project.id);
    expect(JSON.stringify(stored)).not.toContain(key.body.key.secret);
  });

  it('refuses a second account with the same email and a wrong password', async () => {
    expect((await api('POST', '/v1/accounts', { body: { name: 'Again', ...admin } })).status).toBe(409);
    const wrong = await api('GET', '/v1/accounts', { basic: { email: admin.email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it('names the bad field of an invalid body', async () => {
    const bad = await api('POST', '/v1/accounts', { body: { name: '', email: 'nope', password: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(['email', 'name', 'password']);
  });

  it('rotates and deletes: a tombstone follows the delete', async () => {
    const accounts = await api('GET', '/v1/accounts', { basic: admin });
    const accountId = accounts.body.accounts[0].id;
    const created = await api('POST', `/v1/accounts/${accountId}/projects`, { basic: admin, body: { name: 'Short lived' } });
    const id = created.body.project.id;
    const rotated = await api('POST', `/v1/projects/${id}/write-key/rotate`, { basic: admin, body: { keepPrevious: true } });
    expect(rotated.body.project.previousWriteKey).toBe(created.body.project.writeKey);
    expect((await api('DELETE', `/v1/projects/${id}`, { basic: admin })).status).toBe(204);
    const records = await waitFor(async () => {
      const all = (await readAll(gw.topics.projects)).filter((m) => m.key?.toString() === id);
      return all.length >= 3 ? all : null;
    });
    expect(records.at(-1)!.value).toBeNull();
    expect(json<{ writeKeys: string[] }>(records[1]).writeKeys).toEqual([rotated.body.project.writeKey, created.body.project.writeKey]);
    expect((await api('GET', `/v1/projects/${id}`, { basic: admin })).status).toBe(404);
  });

  it('signs in with a session cookie for the dashboard', async () => {
    const login = await api('POST', '/v1/session', { body: admin });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    const me = await api('GET', '/v1/me', { cookie: cookie.split(';')[0] });
    expect(me.status).toBe(200);
    expect(me.body.member.email).toBe(admin.email);
    await api('DELETE', '/v1/session', { cookie: cookie.split(';')[0] });
    expect((await api('GET', '/v1/me', { cookie: cookie.split(';')[0] })).status).toBe(401);
  });
});
