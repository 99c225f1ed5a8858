import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { saltUsable } from '../domain/fingerprint.handler';

export interface SaltStore {
  /** The salts of the given UTC days that are still alive, created on first use. */
  saltsFor(days: string[], now?: Date): Promise<Map<string, Buffer>>;
  /** Destroys salts older than their lifetime and forgets them; returns how many went. */
  destroyExpired(now?: Date): Promise<number>;
}

/**
 * Daily salts live in the identity database so that every instance (and a replay within the
 * lifetime) uses the same one; `INSERT … ON CONFLICT DO NOTHING` makes the first creator win.
 */
export function createSaltStore(pool: Pool): SaltStore {
  const cache = new Map<string, Buffer>();
  return {
    async saltsFor(days, now = new Date()) {
      const result = new Map<string, Buffer>();
      const missing: string[] = [];
      for (const day of new Set(days)) {
        if (!saltUsable(day, now)) continue;
        const cached = cache.get(day);
        if (cached) result.set(day, cached);
        else missing.push(day);
      }
      if (missing.length === 0) return result;
      await pool.query(
        `INSERT INTO fingerprint_salts (day, salt) SELECT d::date, s FROM unnest($1::text[], $2::bytea[]) AS u(d, s) ON CONFLICT (day) DO NOTHING`,
        [missing, missing.map(() => randomBytes(32))],
      );
      const { rows } = await pool.query<{ day: string; salt: Buffer }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, salt FROM fingerprint_salts WHERE day = ANY($1::date[])`, [missing]);
      for (const row of rows) {
        cache.set(row.day, row.salt);
        result.set(row.day, row.salt);
      }
      return result;
    },
    async destroyExpired(now = new Date()) {
      for (const day of cache.keys()) if (!saltUsable(day, now)) cache.delete(day);
      const cutoff = new Date(now.getTime() - 48 * 3600_000).toISOString();
      const { rowCount } = await pool.query(`DELETE FROM fingerprint_salts WHERE day::timestamp AT TIME ZONE 'UTC' <= $1::timestamptz`, [cutoff]);
      return rowCount ?? 0;
    },
  };
}
