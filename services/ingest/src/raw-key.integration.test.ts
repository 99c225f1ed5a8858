import { post, startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

describe('issue #16 finding 7b: no IP in an events.raw key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ trustedProxies: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await h.stop();
  });

  const send = (writeKey: string, ip: string, userAgent: string, messageId: string) =>
    post(`${h.url}/collect`, JSON.stringify({ writeKey, batch: [{ type: 'track', event: 'Viewed', messageId }] }), { 'content-type': 'text/plain', 'x-forwarded-for': ip, 'user-agent': userAgent });

  it('keys a cookieless event by a keyed hash: one key per IP and User-Agent, neither of them in it', async () => {
    const project = await h.putProject(testProject());
    const key = project.writeKeys[0]!;
    for (const [ip, ua, id] of [['198.51.100.23', 'UA-Seven/1.0', 'k-1'], ['198.51.100.23', 'UA-Seven/1.0', 'k-2'], ['198.51.100.24', 'UA-Seven/1.0', 'k-3'], ['198.51.100.23', 'UA-Other/2.0', 'k-4']] as const) {
      expect((await send(key, ip, ua, id)).status).toBe(200);
    }
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 4);
    const keyOf = (id: string) => records.find((r) => r.value.messageId === id)!.key!;
    for (const record of records) {
      expect(record.key).toMatch(new RegExp(`^${project.projectId}:fp:[0-9a-f]{32}$`));
      expect(record.key).not.toContain('198.51.100');
      expect(record.key).not.toContain('UA-');
    }
    // Per-visitor partitioning is kept: the same IP and User-Agent give the same key.
    expect(keyOf('k-1')).toBe(keyOf('k-2'));
    expect(new Set([keyOf('k-1'), keyOf('k-3'), keyOf('k-4')]).size).toBe(3);
    // The value still carries the request facts the fingerprint needs (the raw topic's retention bounds them).
    expect(records.find((r) => r.value.messageId === 'k-1')!.value.request.ip).toBe('198.51.100.23');
  });
});
