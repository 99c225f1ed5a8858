import fc from 'fast-check';
import { basicAuth, startHarness, testProject, type Harness } from './testing/ingest-harness';

/**
 * Generated bodies against the JSON endpoints of a real app writing to the real broker: the
 * service never crashes, never answers 5xx to bad input, and every 4xx names a field.
 */
jest.setTimeout(60_000);

describe('fuzzing the JSON endpoints', () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await startHarness({ defaultProjectId: 'fuzzdemo' });
    const project = await h.putProject(testProject({ projectId: 'fuzzdemo', rateLimit: { eventsPerSecond: 1e6, burst: 1e6 } }));
    auth = basicAuth(project.writeKeys[0]!);
  });
  afterAll(async () => {
    await h.stop();
  });

  const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const anyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 }));
  // Mostly plausible values (so events get accepted too), sometimes anything at all.
  const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: anyValue });
  const id = field(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 12 })));
  const recent = fc.integer({ min: -5 * 86400_000, max: 3600_000 }).map((offset) => new Date(Date.now() + offset).toISOString());
  const dict = fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 });
  const segmentish = fc.record(
    {
      type: field(fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias')),
      event: field(fc.string({ minLength: 1, maxLength: 20 })),
      name: field(fc.string({ maxLength: 20 })),
      userId: id,
      anonymousId: id,
      previousId: id,
      groupId: id,
      messageId: id,
      timestamp: field(recent),
      sentAt: field(recent),
      properties: field(dict),
      traits: field(dict),
      context: field(fc.record({ page: fc.record({ url: fc.webUrl(), title: fc.string() }, { requiredKeys: [] }), userAgent: fc.string(), ip: fc.oneof(fc.ipV4(), fc.string()), locale: fc.string({ maxLength: 10 }) }, { requiredKeys: [] })),
      event_type: field(fc.constantFrom('view', 'entry', 'exit', 'edit', 'custom')),
      value: anyValue,
      session_id: id,
      category: field(fc.string({ minLength: 1, maxLength: 10 })),
      data: field(dict),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: segmentish.map((m) => JSON.stringify(m)) },
    { weight: 3, arbitrary: fc.record({ batch: fc.oneof(fc.array(segmentish, { maxLength: 5 }), anyValue), sentAt: anyValue, context: anyValue }, { requiredKeys: [] }).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
  const endpoint = fc.constantFrom('/v1/track', '/v1/page', '/v1/identify', '/v1/alias', '/v1/group', '/v1/batch', '/collect', '/api/event/');
  const contentType = fc.constantFrom('application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', '');

  it('never crashes, never 5xx, and every 4xx names a field', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(endpoint, body, contentType, async (path, payload, type) => {
        const res = await fetch(`${h.url}${path}`, { method: 'POST', headers: { authorization: auth, ...(type ? { 'content-type': type } : {}) }, body: payload });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          const error = (JSON.parse(text) as { error: { field?: string; fields?: unknown[] } }).error;
          expect(typeof error.field).toBe('string');
          expect(error.fields?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 600 },
    );
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    // The generator reaches both sides: accepted events and refusals.
    expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
