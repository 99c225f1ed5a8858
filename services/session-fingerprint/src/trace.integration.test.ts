import { randomBytes } from 'node:crypto';
import { rawEventKeyOf } from '@sightline/contracts';
import { json, readCommitted, waitFor } from '@sightline/testing';
import { createHarness, project, rawEvent, type Harness } from '../test/harness';

describe('trace context per event through session-fingerprint (real Kafka and Postgres)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sftrace');
    await h.publishProjects([project({ projectId: 'p1' })]);
  });
  afterAll(async () => h.close());

  it("gives each enriched record the traceparent of its own raw event, not its batch's first", async () => {
    const at = '2026-11-25T10:00:00.000Z';
    const events = Array.from({ length: 40 }, (_, i) => rawEvent({ anonymousId: `t${i % 7}`, at, messageId: `trace-${i}` }));
    const traceparents = new Map(events.map((e) => [e.messageId, `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`]));
    // One send: the service reads them as one batch per partition.
    await h.producer.send(h.topics.eventsRaw, events.map((e) => ({ key: rawEventKeyOf(e, 'trace-test-raw-key-secret'), value: e, headers: { traceparent: traceparents.get(e.messageId)! } })));
    const instance = await h.startInstance();
    const records = await waitFor(async () => {
      const all = await readCommitted(h.topics.eventsEnriched, 60_000);
      return all.length >= events.length ? all : null;
    }, { timeoutMs: 60_000, description: 'all events enriched' });
    await instance.stop();
    for (const record of records) {
      const { messageId } = json<{ messageId: string }>(record);
      expect(record.headers?.traceparent?.toString()).toBe(traceparents.get(messageId));
    }
  });
});
