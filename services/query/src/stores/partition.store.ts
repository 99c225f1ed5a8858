import type { Pool } from 'pg';

/** `events_y2026m11`: one partition per calendar month (UTC). */
export function partitionName(monthStart: Date): string {
  return `events_y${monthStart.getUTCFullYear()}m${String(monthStart.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthStart(time: Date | number): Date {
  const d = new Date(time);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/**
 * Months a partition may be created for, around now: back as far as the oldest event a project
 * may accept (maxEventAgeDays ≤ 10,000 days, under 330 months), ahead a little more than ingest's
 * future limit (≤ 31 days). An event outside it (dated year 1, say) must not create thousands of
 * partitions of the shared table: at most 333 months ever exist.
 */
export const PARTITION_WINDOW = { pastMonths: 330, futureMonths: 2 };

/** A data error (SQLSTATE 22008, datetime field overflow), so the consumer dead-letters the event rather than retrying. */
function outsideWindow(month: Date): Error {
  return Object.assign(new Error(`event month ${partitionName(month)} is outside the partition window (${PARTITION_WINDOW.pastMonths} months back, ${PARTITION_WINDOW.futureMonths} ahead)`), { code: '22008' });
}

export interface PartitionStore {
  /** Makes sure a partition exists for every month that one of `times` falls in; refuses months outside PARTITION_WINDOW. */
  ensureFor(times: Iterable<number>, now?: Date): Promise<void>;
  /** Current month plus `ahead` months, so the hot path rarely has to create one. */
  ensureAhead(ahead: number, now?: Date): Promise<void>;
  /** Detaches and drops partitions whose month ended more than `months` months ago. */
  dropOlderThan(months: number, now?: Date): Promise<string[]>;
}

export function createPartitionStore(pool: Pool): PartitionStore {
  const known = new Set<string>();

  async function ensureMonth(month: Date): Promise<void> {
    const name = partitionName(month);
    if (known.has(name)) return;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Two consumers may race to create the same month; the lock makes the check-then-create atomic.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
      const { rowCount } = await client.query('SELECT 1 FROM pg_class WHERE relname = $1', [name]);
      if (!rowCount) {
        const from = month.toISOString();
        const to = addMonths(month, 1).toISOString();
        await client.query(`CREATE TABLE "${name}" PARTITION OF "events" FOR VALUES FROM ('${from}') TO ('${to}')`);
      }
      await client.query('COMMIT');
      known.add(name);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  return {
    async ensureFor(times, now = new Date()) {
      const months = new Map<string, Date>();
      const first = addMonths(monthStart(now), -PARTITION_WINDOW.pastMonths);
      const last = addMonths(monthStart(now), PARTITION_WINDOW.futureMonths);
      for (const t of times) {
        const m = monthStart(t);
        if (!(m >= first && m <= last)) throw outsideWindow(m);
        months.set(partitionName(m), m);
      }
      for (const m of months.values()) await ensureMonth(m);
    },
    async ensureAhead(ahead, now = new Date()) {
      const current = monthStart(now);
      for (let i = 0; i <= ahead; i++) await ensureMonth(addMonths(current, i));
    },
    async dropOlderThan(months, now = new Date()) {
      const cutoff = addMonths(monthStart(now), -months);
      const { rows } = await pool.query<{ name: string; bound: string }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass`,
      );
      const dropped: string[] = [];
      for (const row of rows) {
        const match = /TO \('([^']+)'\)/.exec(row.bound);
        if (!match || new Date(match[1]!) > cutoff) continue;
        await pool.query(`ALTER TABLE "events" DETACH PARTITION "${row.name}"`);
        await pool.query(`DROP TABLE "${row.name}"`);
        known.delete(row.name);
        dropped.push(row.name);
      }
      // Funnel day blocks of the dropped months go too (a fill that read them held its read lock
      // on events until it committed, so DETACH waited for it and this DELETE sees its blocks).
      if (dropped.length) await pool.query('DELETE FROM funnel_day_blocks WHERE day < $1::date', [cutoff.toISOString().slice(0, 10)]);
      return dropped;
    },
  };
}
