import type { Pool, PoolClient } from 'pg';

/**
 * The projection of closed days for funnels (issue #20, docs/funnels.md "Day blocks"): one row
 * per (project, event name, UTC day) holding that day's events of that name as one bytea of
 * records int32 visitor_index (raw, merges applied when read) | int64 µs since 2000-01-01
 * (timestamptz_send), in (time, messageId) order — the record layout of step-blob.handler.ts.
 *
 * Exactness rests on one per-project advisory lock: a fill computes and stores blocks holding it
 * exclusively; every transaction that changes a closed day's events (a late event in the
 * consumer's insert, an erasure) takes it (shared) and then deletes the blocks it touches, before
 * it commits. Either the writer locks first (the fill waits for its commit and reads its rows),
 * or the fill does (the writer's DELETE runs after the fill committed and removes the block).
 */
export const DAY_MS = 86_400_000;

/** A day is filled only once it ended this long ago: covers clock skew between the consumer and a reader. */
export const BLOCK_CLOSED_AFTER_MS = 3_600_000;

const LOCK_KEY = `hashtext('funnel-blocks:' || $1)`;
const LOCK = `SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
const LOCK_SHARED = `SELECT pg_advisory_xact_lock_shared(hashtext('funnel-blocks:' || p)) FROM unnest($1::text[]) AS p ORDER BY p`;

export interface Block {
  name: string;
  /** UTC midnight, epoch ms. */
  day: number;
  records: Buffer;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The stored blocks of `names` for the days in [firstDay, endDay) (UTC midnights). */
export async function readBlocks(pool: Pool, projectId: string, names: string[], firstDay: number, endDay: number): Promise<Block[]> {
  const { rows } = await pool.query<{ name: string; day: string; records: Buffer }>(
    `SELECT name, to_char(day, 'YYYY-MM-DD') AS day, records FROM funnel_day_blocks
     WHERE project_id = $1 AND name = ANY($2::text[]) AND day >= $3::date AND day < $4::date`,
    [projectId, names, isoDay(firstDay), isoDay(endDay)],
  );
  return rows.map((r) => ({ name: r.name, day: Date.parse(`${r.day}T00:00:00Z`), records: r.records }));
}

/**
 * Computes the blocks of the (name, day) pairs from the events table and stores them, under the
 * project's lock held exclusively (see above), and returns them. Pairs stored meanwhile by
 * another reader are computed and written again (same content: nothing can change them while the
 * lock is held). A (name, day) without events gets an empty block.
 */
export async function fillBlocks(pool: Pool, projectId: string, pairs: Array<{ name: string; day: number }>): Promise<Block[]> {
  if (pairs.length === 0) return [];
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(LOCK, [projectId]);
    const { rows } = await client.query<{ name: string; day: string; records: Buffer }>(
      `INSERT INTO funnel_day_blocks AS b (project_id, name, day, records)
       SELECT $1, k.name, k.day,
              coalesce((SELECT string_agg(int4send(e.visitor_index) || timestamptz_send(e."timestamp"), ''::bytea ORDER BY e."timestamp", e.message_id)
                        FROM events e
                        WHERE e.project_id = $1 AND e.name = k.name
                          AND e."timestamp" >= (k.day::timestamp AT TIME ZONE 'UTC') AND e."timestamp" < ((k.day + 1)::timestamp AT TIME ZONE 'UTC')), ''::bytea)
       FROM unnest($2::text[], $3::date[]) AS k(name, day)
       ON CONFLICT (project_id, name, day) DO UPDATE SET records = excluded.records
       RETURNING b.name, to_char(b.day, 'YYYY-MM-DD') AS day, b.records`,
      [projectId, pairs.map((p) => p.name), pairs.map((p) => isoDay(p.day))],
    );
    await client.query('COMMIT');
    return rows.map((r) => ({ name: r.name, day: Date.parse(`${r.day}T00:00:00Z`), records: r.records }));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * In a transaction that inserts events: deletes the blocks of every (project, name, UTC day)
 * among `events` that is before today (by `nowMs`), after taking the projects' locks shared.
 * Today's events touch no block (a fill never stores a day that ended less than
 * BLOCK_CLOSED_AFTER_MS ago), so a live batch costs nothing here.
 */
export async function invalidateBlocks(client: PoolClient, events: Array<{ projectId: string; name: string | null; timestamp: string }>, nowMs: number): Promise<void> {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const keys = new Map<string, [string, string, string]>();
  for (const e of events) {
    if (e.name === null) continue;
    const t = Date.parse(e.timestamp);
    if (!(t < today)) continue;
    const day = isoDay(Math.floor(t / DAY_MS) * DAY_MS);
    keys.set(`${e.projectId}\u0000${e.name}\u0000${day}`, [e.projectId, e.name, day]);
  }
  if (keys.size === 0) return;
  const k = [...keys.values()];
  await client.query(LOCK_SHARED, [[...new Set(k.map((x) => x[0]))].sort()]);
  await client.query(
    `DELETE FROM funnel_day_blocks b USING unnest($1::text[], $2::text[], $3::date[]) AS k(project_id, name, day)
     WHERE b.project_id = k.project_id AND b.name = k.name AND b.day = k.day`,
    [k.map((x) => x[0]), k.map((x) => x[1]), k.map((x) => x[2])],
  );
}

/** In an erasure's transaction, after its events are deleted: every block of the project goes. */
export async function invalidateProjectBlocks(client: PoolClient, projectId: string): Promise<void> {
  await client.query(LOCK, [projectId]);
  await client.query('DELETE FROM funnel_day_blocks WHERE project_id = $1', [projectId]);
}

/** Bytes the projection takes in Postgres (table, TOAST and index). */
export async function blockStorageBytes(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ bytes: string }>("SELECT pg_total_relation_size('funnel_day_blocks') AS bytes");
  return Number(rows[0]!.bytes);
}
