import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { migrationsDir } from '../service';
import { lockAndLoad, visitorKey } from './identity.store';

// The visitor lock and the load are one statement whose snapshot predates any lock wait:
// these check, on real Postgres, that a change committed while it waited is reported.
describe('lockAndLoad against real Postgres', () => {
  let db: TestDatabase;
  let pool: Pool;
  const secret = 'identity-store integration test secret, 32+';
  const keys = { aliases: [{ projectId: 'p', aliasId: 'a:laptop' }], messages: [] };

  beforeAll(async () => {
    db = await createTestDatabase('fpstore', migrationsDir);
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query(`INSERT INTO visitor_counters VALUES ('p', 1)`);
    await pool.query(`INSERT INTO visitors (project_id, visitor_index, visitor_id, traits, first_seen_at, last_seen_at) VALUES ('p', 0, 'laptop', '{}', now(), '2026-12-01T10:00:00Z')`);
    await pool.query(`INSERT INTO visitor_aliases VALUES ('p', 'a:laptop', 0)`);
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('locks the visitor an alias points to and calls the load fresh when nobody wrote it meanwhile', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const got = await lockAndLoad(client, ['p'], keys, { aliases: true, extra: [] }, secret);
      expect([...got.locked]).toEqual([visitorKey('p', 0)]);
      expect(got.fresh).toBe(true);
      expect(got.loaded.projects.get('p')!.aliases.get('a:laptop')).toBe(0);
      expect(got.loaded.projects.get('p')!.nextIndex).toBe(1);
      // Another transaction cannot lock it now.
      const other = await pool.connect();
      try {
        await other.query('BEGIN');
        await expect(other.query(`SELECT 1 FROM visitors WHERE project_id = 'p' AND visitor_index = 0 FOR UPDATE NOWAIT`)).rejects.toMatchObject({ code: '55P03' });
        await other.query('ROLLBACK');
      } finally {
        other.release();
      }
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('reports a load stale when the visitor was written and committed while the lock waited, and the next load sees the write', async () => {
    const writer = await pool.connect();
    const reader = await pool.connect();
    try {
      await writer.query('BEGIN');
      // As a batch that moves the visitor on (session, last seen) and adds an alias to it.
      await writer.query(`UPDATE visitors SET last_seen_at = '2026-12-01T11:00:00Z' WHERE project_id = 'p' AND visitor_index = 0`);
      await writer.query(`INSERT INTO visitor_aliases VALUES ('p', 'u:ann', 0)`);
      await reader.query('BEGIN');
      const loading = lockAndLoad(reader, ['p'], { aliases: [...keys.aliases, { projectId: 'p', aliasId: 'u:ann' }], messages: [] }, { aliases: true, extra: [] }, secret);
      // The reader's statement has its snapshot and waits on the row lock.
      for (let i = 0; i < 200; i++) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.datname = current_database() AND a.query LIKE '%FOR UPDATE OF v%'`);
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await writer.query('COMMIT');
      const stale = await loading;
      expect(stale.fresh).toBe(false);
      expect([...stale.locked]).toEqual([visitorKey('p', 0)]);
      // Its snapshot predates the writer's commit: neither the new alias nor the new last-seen time.
      expect(stale.loaded.projects.get('p')!.aliases.has('u:ann')).toBe(false);
      expect(stale.loaded.projects.get('p')!.visitors.get(0)!.lastSeenAt).toBe(Date.parse('2026-12-01T10:00:00Z'));
      const again = await lockAndLoad(reader, ['p'], { aliases: [...keys.aliases, { projectId: 'p', aliasId: 'u:ann' }], messages: [] }, { aliases: false, extra: [] }, secret);
      expect(again.fresh).toBe(true);
      expect(again.loaded.projects.get('p')!.aliases.get('u:ann')).toBe(0);
      expect(again.loaded.projects.get('p')!.visitors.get(0)!.lastSeenAt).toBe(Date.parse('2026-12-01T11:00:00Z'));
      await reader.query('ROLLBACK');
    } finally {
      writer.release();
      reader.release();
    }
  });

  it('calls a load fresh when the transaction it waited for rolled back', async () => {
    const writer = await pool.connect();
    const reader = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`UPDATE visitors SET last_seen_at = '2026-12-01T12:00:00Z' WHERE project_id = 'p' AND visitor_index = 0`);
      await reader.query('BEGIN');
      const loading = lockAndLoad(reader, ['p'], keys, { aliases: true, extra: [] }, secret);
      for (let i = 0; i < 200; i++) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.datname = current_database() AND a.query LIKE '%FOR UPDATE OF v%'`);
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await writer.query('ROLLBACK');
      const got = await loading;
      expect(got.fresh).toBe(true);
      expect(got.loaded.projects.get('p')!.visitors.get(0)!.lastSeenAt).toBe(Date.parse('2026-12-01T11:00:00Z'));
      await reader.query('ROLLBACK');
    } finally {
      writer.release();
      reader.release();
    }
  });
});
