import { startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

/** Issue #16, finding 8: HiiTrack's `v` cookie — a malformed one, cookieless projects, DNT and GPC. */
describe("HiiTrack's visitor cookie (real broker)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  const message = (name: string) => Buffer.from(JSON.stringify([[name], []])).toString('base64');
  const batch = (p: { accountSlug: string; slug: string }, name: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/${p.accountSlug}/${p.slug}/batch?message=${message(name)}&callback=cb`, { headers });

  it('finding 8: a malformed v cookie is ignored (a new visitor), never a 500', async () => {
    const project = await h.putProject(testProject({ keylessPathWrites: true, cookieless: false }));
    for (const cookie of ['v=%E0%A4%A', 'v=%', 'v=%zz; other=1']) {
      const res = await batch(project, 'malformed-cookie', { cookie });
      expect({ cookie, status: res.status }).toEqual({ cookie, status: 200 });
      expect(res.headers.get('set-cookie')).toMatch(/^v=[0-9a-f]{32};/);
    }
    await h.waitForRaw((e) => e.projectId === project.projectId && e.event === 'malformed-cookie', 3);
  });

  it('finding 8: no 100-year v cookie on a cookieless project, nor under DNT or GPC; the event is still counted (cookieless)', async () => {
    const cookieless = await h.putProject(testProject({ keylessPathWrites: true, cookieless: true }));
    const cookied = await h.putProject(testProject({ keylessPathWrites: true, cookieless: false }));
    const ignoring = await h.putProject(testProject({ keylessPathWrites: true, cookieless: false, privacySignals: 'ignore' }));
    const replies = [
      ['cookieless', await batch(cookieless, 'no-cookie-1')],
      ['dnt', await batch(cookied, 'no-cookie-2', { dnt: '1' })],
      ['gpc', await batch(cookied, 'no-cookie-3', { 'sec-gpc': '1' })],
    ] as const;
    for (const [why, res] of replies) {
      expect({ why, status: res.status, cookie: res.headers.get('set-cookie') }).toEqual({ why, status: 200, cookie: null });
      expect(await res.text()).toBe('cb({"visitor_id":null});');
    }
    const records = await h.waitForRaw((e) => /^no-cookie-/.test(e.event ?? ''), 3);
    expect(records.map((r) => r.value.anonymousId ?? null)).toEqual([null, null, null]);
    // A project that sets cookies and ignores the signals still gets one; so does a consenting visitor.
    expect((await batch(ignoring, 'cookie-ok', { dnt: '1' })).headers.get('set-cookie')).toMatch(/^v=/);
    const consenting = (await batch(cookied, 'cookie-ok')).headers.get('set-cookie')!;
    expect(consenting).toMatch(/^v=/);
    expect(consenting).toMatch(/Max-Age=3153600000/);
  });
});
