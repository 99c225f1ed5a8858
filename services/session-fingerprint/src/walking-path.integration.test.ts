import { waitFor } from '@sightline/testing';
import { createHarness, project, rawEvent, type Harness } from '../test/harness';

describe('session-fingerprint walking path (real Kafka and Postgres)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sfwalk');
    await h.publishProjects([project({ projectId: 'p1' })]);
  });
  afterAll(async () => h.close());

  it('gives each visitor one durable dense index and every event a session', async () => {
    const t0 = Date.parse('2026-11-25T10:00:00Z');
    const events = Array.from({ length: 60 }, (_, i) => rawEvent({ anonymousId: `anon-${i % 12}`, at: new Date(t0 + i * 1000).toISOString() }));
    await h.send(events);
    const instance = await h.startInstance();
    const enriched = await waitFor(async () => {
      const all = await h.enriched();
      return all.length >= events.length ? all : null;
    }, { timeoutMs: 60_000, description: 'all events enriched' });
    await instance.stop();
    expect(new Set(enriched.map((e) => e.messageId)).size).toBe(events.length);
    const indexes = new Map<string, Set<number>>();
    for (const e of enriched) {
      if (!indexes.has(e.visitorId)) indexes.set(e.visitorId, new Set());
      indexes.get(e.visitorId)!.add(e.visitorIndex);
      expect(e.sessionId).toBeTruthy();
    }
    expect(indexes.size).toBe(12);
    for (const set of indexes.values()) expect(set.size).toBe(1);
    expect([...indexes.values()].map((s) => [...s][0]).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(enriched.filter((e) => e.isNewVisitor)).toHaveLength(12);
  });
});
