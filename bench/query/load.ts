import type { Pool } from 'pg';

export interface LoadOptions {
  events: number;
  visitors: number;
  from: number;
  days: number;
  /** Zipf-like activity (a few visitors do most events) instead of ~10 events per visitor. */
  skewed?: boolean;
}

// Each event's name drawn with these weights; the funnel uses view_item → add_to_cart → purchase.
const NAMES: Array<[string, number]> = [
  ['$pageview', 0.4], ['view_item', 0.15], ['search', 0.1], ['click', 0.1], ['login', 0.08],
  ['add_to_cart', 0.06], ['purchase', 0.03], ['checkout', 0.03], ['share', 0.03], ['signup', 0.02],
];

function nameCase(): string {
  let acc = 0;
  const arms = NAMES.map(([name, w]) => {
    acc += w;
    return `WHEN r < ${acc.toFixed(4)} THEN '${name}'`;
  });
  return `CASE ${arms.join(' ')} ELSE 'share' END`;
}

/**
 * Bulk load in SQL: the indexes are dropped, rows generated with generate_series in chunks,
 * then the indexes rebuilt in one pass each — far faster than inserting through six indexes.
 */
export async function loadEvents(pool: Pool, o: LoadOptions): Promise<void> {
  const indexes = (await pool.query<{ def: string; name: string }>(
    "SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'",
  )).rows;
  for (const i of indexes) await pool.query(`DROP INDEX "${i.name}"`);
  await pool.query('ALTER TABLE events DROP CONSTRAINT events_pkey');
  for (let m = 0; m < 5; m++) {
    const start = new Date(Date.UTC(new Date(o.from).getUTCFullYear(), new Date(o.from).getUTCMonth() + m, 1));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const name = `events_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
    await pool.query(`CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF events FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`);
  }
  const chunk = 1_000_000;
  for (let lo = 0; lo < o.events; lo += chunk) {
    const hi = Math.min(o.events, lo + chunk) - 1;
    await pool.query(`
      INSERT INTO events (project_id, message_id, "timestamp", received_at, type, name, category, visitor_index, visitor_id,
        user_id, anonymous_id, session_id, properties, context, page_path, referrer_domain, source, medium, campaign,
        country, browser, os, device_type, is_bot)
      SELECT 'bench', 'm' || g, ts, ts, 'track', ${nameCase()}, NULL, v, 'v-' || v, NULL, 'a-' || v,
        's-' || v || '-' || (extract(epoch FROM ts)::bigint / 86400), jsonb_build_object('plan', CASE WHEN v % 4 = 0 THEN 'pro' ELSE 'free' END),
        '{}'::jsonb, '/p' || (g % 20), NULL, NULL, NULL, NULL, 'FR', 'Firefox', 'Linux', 'desktop', false
      FROM (SELECT g, ${o.skewed ? `floor(${o.visitors} * power(random(), 3))::int` : `(hashint4(g) & 2147483647) % ${o.visitors}`} AS v, random() AS r,
                   -- Arrival order, as a consumer writes them: time grows with g, with a little jitter.
                   to_timestamp(${o.from / 1000}) + (g::float8 / ${o.events}) * interval '${o.days} days' + random() * interval '10 minutes' AS ts
            FROM generate_series(${lo}, ${hi}) AS g) AS x`);
  }
  await pool.query(`
    INSERT INTO visitors (project_id, visitor_index, visitor_id, user_id, anonymous_id, traits, traits_at, first_seen, last_seen, event_count)
    SELECT 'bench', v, 'v-' || v, NULL, 'a-' || v, jsonb_build_object('plan', CASE WHEN v % 4 = 0 THEN 'pro' ELSE 'free' END),
           to_timestamp(${o.from / 1000}), to_timestamp(${o.from / 1000}), to_timestamp(${o.from / 1000}), 10
    FROM generate_series(0, ${o.visitors - 1}) AS v`);
  await pool.query("SET maintenance_work_mem = '512MB'");
  await pool.query('ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (project_id, message_id, "timestamp")');
  // pg_indexes spells a partitioned index `ON ONLY events`, which would not build the partitions' indexes.
  for (const i of indexes) await pool.query(i.def.replace(' ON ONLY ', ' ON '));
  await pool.query('VACUUM ANALYZE events');
  await pool.query('VACUUM ANALYZE visitors');
}
