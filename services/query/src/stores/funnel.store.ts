import type { Pool } from 'pg';
import type { StepPart } from '../domain/step-blob.handler';
import { SqlParams } from './event-filter';
import { BLOCK_CLOSED_AFTER_MS, DAY_MS, fillBlocks, readBlocks, type Block } from './funnel-block.store';

export interface FunnelFetch {
  projectId: string;
  steps: Array<{ event: string; where?: Record<string, unknown> }>;
  fromMs: number;
  /** Exclusive end of the events that can matter: `to` + window. */
  untilMs: number;
  /** Property whose value each record carries (breakdown by property). */
  propertyKey?: string;
  /** Raw visitor indexes (merged ones included) to restrict to. */
  visitorIndexes?: number[];
  /**
   * Re-read: only the events at these instants (µs since the Unix epoch), with their ids. The
   * first read leaves ids out (they only order events tied in time, rare, and cost Postgres
   * about a fifth of the read); the funnel re-reads the instants where a person's events tie.
   */
  atMicros?: number[];
}

/** Where a read's time went (bench/peers/funnels.ts), added to by fetchStepParts. */
export interface FetchStats {
  /** Reading stored day blocks (and applying merges and candidates to them). */
  blockMs: number;
  /** Filling missing closed days from the events table (and storing them). */
  fillMs: number;
  /** Reading the days not in blocks (open or partial days) from the events table. */
  eventsMs: number;
  blocks: number;
  filled: number;
  blockRecords: number;
}

/**
 * Every stored event that matches some step, as the parts of step-blob.handler.ts: its person
 * (merges applied), time, step bits and messageId (only in a re-read, `atMicros`).
 *
 * Without property filters or a property breakdown, whole UTC days of the range that closed
 * BLOCK_CLOSED_AFTER_MS ago are read from funnel_day_blocks (one row per name and day; missing
 * days are filled first, from the events table, under the project's lock), the rest of the range
 * (today, the partial days at its ends) from the events table: the same records either way.
 */
export async function fetchStepParts(pool: Pool, f: FunnelFetch, shards: number, stats?: FetchStats, nowMs = Date.now()): Promise<StepPart[]> {
  const filtered = f.steps.some((s) => s.where && Object.keys(s.where).length > 0);
  const firstDay = Math.ceil(f.fromMs / DAY_MS) * DAY_MS;
  const endDay = Math.min(Math.floor(f.untilMs / DAY_MS), Math.floor((nowMs - BLOCK_CLOSED_AFTER_MS) / DAY_MS)) * DAY_MS;
  if (filtered || f.propertyKey !== undefined || f.atMicros || endDay <= firstDay) {
    const t = performance.now();
    const parts = await fetchEventParts(pool, f, shards);
    if (stats) stats.eventsMs += performance.now() - t;
    return parts;
  }
  const edges: Array<[number, number]> = [[f.fromMs, firstDay], [endDay, f.untilMs]];
  const [blocks, ...rest] = await Promise.all([
    dayBlockParts(pool, f, firstDay, endDay, shards, stats),
    ...edges.filter(([a, b]) => b > a).map(async ([a, b]) => {
      const t = performance.now();
      const parts = await fetchEventParts(pool, { ...f, fromMs: a, untilMs: b }, 1);
      if (stats) stats.eventsMs += performance.now() - t;
      return parts;
    }),
  ]);
  return [...blocks, ...rest.flat()];
}

/** The step names' blocks of the days [firstDay, endDay), filled where missing, as step parts. */
async function dayBlockParts(pool: Pool, f: FunnelFetch, firstDay: number, endDay: number, shards: number, stats?: FetchStats): Promise<StepPart[]> {
  const bitsOfName = new Map<string, number>();
  f.steps.forEach((s, k) => bitsOfName.set(s.event, (bitsOfName.get(s.event) ?? 0) | (1 << k)));
  const names = [...bitsOfName.keys()];
  let t = performance.now();
  const days = (endDay - firstDay) / DAY_MS;
  const [aliases, ...slices] = await Promise.all([
    readAliases(pool, f.projectId),
    ...Array.from({ length: Math.min(shards, days) }, (_, k) =>
      readBlocks(pool, f.projectId, names, firstDay + Math.floor((days * k) / shards) * DAY_MS, firstDay + Math.floor((days * (k + 1)) / shards) * DAY_MS)),
  ]);
  const blocks: Block[] = slices.flat();
  if (stats) stats.blockMs += performance.now() - t;
  const have = new Set(blocks.map((b) => `${b.name}\u0000${b.day}`));
  const missing: Array<{ name: string; day: number }> = [];
  for (const name of names) for (let day = firstDay; day < endDay; day += DAY_MS) if (!have.has(`${name}\u0000${day}`)) missing.push({ name, day });
  if (missing.length) {
    t = performance.now();
    blocks.push(...(await fillBlocks(pool, f.projectId, missing)));
    if (stats) (stats.fillMs += performance.now() - t), (stats.filled += missing.length);
  }
  t = performance.now();
  const only = f.visitorIndexes ? visitorSet(f.visitorIndexes) : null;
  const parts: StepPart[] = [];
  for (const b of blocks) {
    if (b.records.length === 0) continue;
    let records = only ? keepVisitors(b.records, only) : b.records;
    if (aliases) records = applyAliases(records, aliases);
    if (stats) (stats.blocks += 1), (stats.blockRecords += records.length / 12);
    parts.push({ bits: bitsOfName.get(b.name)!, records, ids: null, values: null });
  }
  if (stats) stats.blockMs += performance.now() - t;
  return parts;
}

/** visitor_index → canonical_index of the project's merged visitors, null when there are none. */
async function readAliases(pool: Pool, projectId: string): Promise<Map<number, number> | null> {
  const { rows: [row] } = await pool.query<{ pairs: Buffer | null }>(
    "SELECT string_agg(int4send(visitor_index) || int4send(canonical_index), ''::bytea) AS pairs FROM visitor_aliases WHERE project_id = $1",
    [projectId],
  );
  if (!row?.pairs) return null;
  const map = new Map<number, number>();
  for (let pos = 0; pos < row.pairs.length; pos += 8) map.set(row.pairs.readInt32BE(pos), row.pairs.readInt32BE(pos + 4));
  return map;
}

/** Block records with each merged visitor replaced by its person, as the events read's coalesce(canonical, visitor). */
function applyAliases(records: Buffer, aliases: Map<number, number>): Buffer {
  let out: Buffer | null = null;
  for (let pos = 0; pos < records.length; pos += 12) {
    const to = aliases.get(records.readInt32BE(pos));
    if (to === undefined) continue;
    if (!out) out = Buffer.from(records);
    out.writeInt32BE(to, pos);
  }
  return out ?? records;
}

function visitorSet(indexes: number[]): Uint8Array {
  let max = -1;
  for (const v of indexes) if (v > max) max = v;
  const set = new Uint8Array(max + 1);
  for (const v of indexes) if (v >= 0) set[v] = 1;
  return set;
}

/** Block records of the listed (raw) visitors only, as the events read's visitor_index = ANY(list). */
function keepVisitors(records: Buffer, only: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(records.length);
  let n = 0;
  for (let pos = 0; pos < records.length; pos += 12) {
    const v = records.readInt32BE(pos);
    if (v < only.length && only[v] === 1) n += records.copy(out, n, pos, pos + 12);
  }
  return out.subarray(0, n);
}

/**
 * Every stored event that matches some step, read from the events table: its person
 * (merges applied), time, step bits and messageId. The time range is cut into `shards`
 * consecutive slices whose queries run on separate connections (and cores) at once; each reads
 * only its slice of the index. Without property filters that read is an index-only scan of
 * (project, name, time, messageId, visitor) and the step bits follow from the name (one part per
 * name), so Postgres evaluates no CASE per event.
 */
async function fetchEventParts(pool: Pool, f: FunnelFetch, shards: number): Promise<StepPart[]> {
  const params = new SqlParams();
  const project = params.add(f.projectId);
  // Without property filters every event with a step's name matches a step: no need to test.
  const filtered = f.steps.some((s) => s.where && Object.keys(s.where).length > 0);
  const bitsOfName = new Map<string, number>();
  f.steps.forEach((s, k) => bitsOfName.set(s.event, (bitsOfName.get(s.event) ?? 0) | (1 << k)));
  // Parameters are numbered as added: build the CASE only when the SQL uses it.
  const bits = !filtered ? '' : f.steps
    .map((s, k) => {
      const where = s.where && Object.keys(s.where).length ? ` AND e.properties @> ${params.add(JSON.stringify(s.where))}::jsonb` : '';
      return `(CASE WHEN e.name = ${params.add(s.event)}${where} THEN ${1 << k} ELSE 0 END)`;
    })
    .join(' | ');
  const names = params.add([...bitsOfName.keys()]);
  const value = f.propertyKey ? `, string_agg(${lengthPrefixed(`e.properties ->> ${params.add(f.propertyKey)}`)}, ''::bytea) AS values` : '';
  const restrict = f.visitorIndexes ? ` AND e.visitor_index = ANY(${params.add(f.visitorIndexes)}::int[])` : '';
  const at = f.atMicros ? params.add(f.atMicros.map(isoOfMicros)) : '';
  const from = params.add(0);
  const until = params.add(0);
  // Most projects have no merges in most ranges; then the alias join is pure cost. textsend
  // (the ids in the client encoding) costs less than convert_to, so use it when that is UTF-8.
  const { rows: [session] } = await pool.query<{ merged: boolean; utf8: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM visitor_aliases WHERE project_id = $1) AS merged, current_setting('client_encoding') = 'UTF8' AS utf8",
    [f.projectId],
  );
  const merged = session!.merged;
  const id = session!.utf8 ? 'textsend(e.message_id)' : "convert_to(e.message_id, 'UTF8')";
  const person = merged ? 'coalesce(a.canonical_index, e.visitor_index)' : 'e.visitor_index';
  const join = merged ? 'LEFT JOIN visitor_aliases a ON a.project_id = e.project_id AND a.visitor_index = e.visitor_index' : '';
  // timestamptz_send is the stored int64 (µs since 2000): no float or numeric arithmetic per event.
  const sql = `
    SELECT ${filtered ? 'NULL::text' : 'e.name'} AS name,
           string_agg(int4send(${person}) || timestamptz_send(e."timestamp")${filtered ? ` || int4send(${bits})` : ''}, ''::bytea) AS records,
           ${at ? `string_agg(${id}, '\\x00'::bytea)` : 'NULL::bytea'} AS ids${value}
    FROM events e ${join}
    WHERE e.project_id = ${project} AND e.name = ANY(${names}::text[])
      AND e."timestamp" >= to_timestamp(${from}::float8) AND e."timestamp" < to_timestamp(${until}::float8)${restrict}
      ${at ? `AND e."timestamp" = ANY(${at}::timestamptz[])` : ''}
      ${filtered ? `AND (${bits}) <> 0` : 'GROUP BY e.name'}`;
  const slices = await Promise.all(
    Array.from({ length: at ? 1 : shards }, async (_, k) => {
      const values = [...params.values];
      const span = f.untilMs - f.fromMs;
      // Slice bounds in whole milliseconds so that consecutive slices meet exactly.
      values[values.length - 2] = (f.fromMs + Math.floor((span * k) / shards)) / 1000;
      values[values.length - 1] = (k === shards - 1 ? f.untilMs : f.fromMs + Math.floor((span * (k + 1)) / shards)) / 1000;
      // Text format (hex, decoded natively by pg): node-pg's binary mode turns row data into a
      // UTF-8 string first, which mangles arbitrary bytes. A column's hex must stay under V8's
      // string limit (~512 MB), about 20M step events; raise FUNNEL_SHARDS beyond that.
      const { rows } = await pool.query<{ name: string | null; records: Buffer | null; ids: Buffer | null; values?: Buffer | null }>(sql, values);
      return rows
        .filter((r) => r.records !== null)
        .map((r): StepPart => ({ bits: r.name === null ? null : bitsOfName.get(r.name)!, records: r.records!, ids: r.ids, values: r.values ?? null }));
    }),
  );
  return slices.flat();
}

/** A text value as int32 n (−1 = null) | n bytes (UTF-8), as parseStepParts and parsePersonValues read it. */
function lengthPrefixed(x: string): string {
  return `coalesce(int4send(octet_length(${x})) || convert_to(${x}, 'UTF8'), int4send(-1))`;
}

/** Exact timestamptz literal of an instant in µs (a Date holds only ms). */
function isoOfMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

/**
 * Every person's latest-known trait `key` (any of its merged visitors, newest traits win), read
 * in one pass beside the step events instead of looked up person by person after matching:
 * one row whose bytea holds, per person, int32 root | int32 n (−1 = null) | n bytes (UTF-8).
 * Without merges a person is its visitor row, and only those seen since `sinceMs` can have
 * entered (last_seen is their latest event's time), so the others are left out.
 */
export async function fetchPersonTraits(pool: Pool, projectId: string, key: string, sinceMs: number): Promise<Buffer> {
  const { rows: [row] } = await pool.query<{ records: Buffer | null }>(
    `SELECT CASE WHEN EXISTS (SELECT 1 FROM visitor_aliases WHERE project_id = $1)
      THEN (SELECT string_agg(int4send(p.root) || ${lengthPrefixed('p.value')}, ''::bytea) FROM (
              SELECT DISTINCT ON (coalesce(a.canonical_index, v.visitor_index)) coalesce(a.canonical_index, v.visitor_index) AS root, v.traits ->> $2 AS value
              FROM visitors v LEFT JOIN visitor_aliases a ON a.project_id = v.project_id AND a.visitor_index = v.visitor_index
              WHERE v.project_id = $1
              ORDER BY coalesce(a.canonical_index, v.visitor_index), v.traits_at DESC, v.traits_message_id DESC) p)
      ELSE (SELECT string_agg(int4send(v.visitor_index) || ${lengthPrefixed('v.traits ->> $2')}, ''::bytea)
            FROM visitors v WHERE v.project_id = $1 AND v.last_seen >= to_timestamp($3::float8))
    END AS records`,
    [projectId, key, sinceMs / 1000],
  );
  return row?.records ?? Buffer.alloc(0);
}
