import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { migrationsDir } from '../migrations-dir';
import { createPartitionStore, PARTITION_WINDOW } from './partition.store';

/** Issue #16, finding 4: an event dated year 1 must not create thousands of monthly partitions. */
describe('partition bounds (real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase('query_partitions', migrationsDir);
    pool = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const partitions = async () => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'events'::regclass`)).rows[0]!.n);

  it('finding 4: months outside the partition window are refused as a data error (the consumer dead-letters the event) and create nothing', async () => {
    const store = createPartitionStore(pool);
    const now = new Date('2026-12-03T00:00:00Z');
    const before = await partitions();
    for (const time of [Date.UTC(1, 0, 1), Date.UTC(1990, 0, 1), Date.UTC(2028, 6, 1)]) {
      await expect(store.ensureFor([Date.UTC(2026, 11, 1), time], now)).rejects.toMatchObject({ code: '22008' });
    }
    expect(await partitions()).toBe(before);
    await store.ensureFor([Date.UTC(2000, 0, 1), Date.UTC(2027, 1, 1)], now);
    expect(await partitions()).toBe(before + 2);
    expect(PARTITION_WINDOW).toEqual({ pastMonths: 330, futureMonths: 2 });
  });
});
