import { rawEventValue } from '@sightline/contracts';
import { basicAuth, post, startHarness, testProject, type Harness } from './testing/ingest-harness';

describe('Segment HTTP API against the real broker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('POST /v1/track with the write key as Basic username lands in events.raw keyed by visitor', async () => {
    const project = await h.putProject(testProject());
    const sentAt = new Date(Date.now() - 1000);
    const res = await post(
      `${h.url}/v1/track`,
      { userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' }, messageId: 'm-track-1', timestamp: new Date(sentAt.getTime() - 60_000).toISOString(), sentAt: sentAt.toISOString() },
      { authorization: basicAuth(project.writeKeys[0]!), 'user-agent': 'test-agent', 'accept-language': 'en-GB', dnt: '1' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    const [record] = await h.readRaw(1);
    expect(record!.key).toBe(`${project.projectId}:u1`);
    const event = rawEventValue.parse(record!.value);
    expect(event).toMatchObject({ messageId: 'm-track-1', projectId: project.projectId, type: 'track', event: 'Signed Up', userId: 'u1', properties: { plan: 'pro' } });
    expect(event.request).toEqual({ ip: '127.0.0.1', userAgent: 'test-agent', acceptLanguage: 'en-GB', dnt: true, gpc: false });
    // Clock-skew correction: the event happened 60 s before the client sent it.
    const skew = new Date(event.receivedAt).getTime() - new Date(event.timestamp).getTime();
    expect(skew).toBe(60_000);
  });
});
