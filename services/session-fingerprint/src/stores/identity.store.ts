import type { Pool, PoolClient } from 'pg';
import { erasureIdHash } from '@sightline/contracts';
import { emptyProjectIdentity, type ProjectIdentity, type VisitorRecord } from '../domain/identity.handler';
import { ledgerKey, type LedgerEntry } from '../domain/enrich-batch.handler';
import type { ProjectWrites, WriteSet } from '../domain/index-allocation.handler';

export interface BatchKeys {
  /** projectId → alias ids and message ids the batch needs. */
  aliases: Array<{ projectId: string; aliasId: string }>;
  messages: Array<{ projectId: string; messageId: string }>;
}

export interface LoadedBatch {
  projects: Map<string, ProjectIdentity>;
  ledger: Map<string, LedgerEntry>;
}

interface VisitorRow {
  project_id: string;
  visitor_index: number;
  visitor_id: string | null;
  user_id: string | null;
  traits: Record<string, unknown>;
  first_seen_at: string;
  last_seen_at: string;
  merged_into: number | null;
  session_id: string | null;
  session_started_at: string | null;
  session_last_at: string | null;
  session_campaign: string | null;
  session_entry_page: string | null;
  session_last_page: string | null;
}

const LOAD_SQL = `
WITH keys AS (SELECT * FROM unnest($2::text[], $3::text[]) AS k(project_id, alias_id)),
msgs AS (SELECT * FROM unnest($4::text[], $5::text[]) AS m(project_id, message_id)),
al AS (SELECT a.project_id, a.alias_id, a.visitor_index FROM visitor_aliases a JOIN keys USING (project_id, alias_id)),
led AS (SELECT l.*, l.source_offset::text AS source_offset_text FROM event_ledger l JOIN msgs USING (project_id, message_id)),
idx AS (SELECT project_id, visitor_index FROM al UNION SELECT project_id, visitor_index FROM led),
vis AS (SELECT v.* FROM visitors v JOIN idx USING (project_id, visitor_index)),
canon AS (SELECT v.* FROM visitors v JOIN (SELECT DISTINCT project_id, merged_into FROM vis WHERE merged_into IS NOT NULL) m
          ON v.project_id = m.project_id AND v.visitor_index = m.merged_into)
SELECT
  (SELECT coalesce(json_agg(c), '[]') FROM visitor_counters c WHERE c.project_id = ANY($1::text[])) AS counters,
  (SELECT coalesce(json_agg(al), '[]') FROM al) AS aliases,
  (SELECT coalesce(json_agg(led), '[]') FROM led) AS ledger,
  (SELECT coalesce(json_agg(x), '[]') FROM (SELECT * FROM vis UNION ALL SELECT * FROM canon) x) AS visitors,
  (SELECT coalesce(json_agg(e.id_hash), '[]') FROM erased_ids e JOIN unnest($1::text[]) p(project_id) USING (project_id) WHERE e.id_hash = ANY($6::text[])) AS erased`;

function toVisitor(row: VisitorRow): VisitorRecord {
  return {
    index: row.visitor_index,
    visitorId: row.visitor_id ?? '',
    userId: row.user_id,
    traits: row.traits ?? {},
    firstSeenAt: Date.parse(row.first_seen_at),
    lastSeenAt: Date.parse(row.last_seen_at),
    mergedInto: row.merged_into,
    session:
      row.session_id && row.session_started_at && row.session_last_at
        ? {
            sessionId: row.session_id,
            startedAt: Date.parse(row.session_started_at),
            lastEventAt: Date.parse(row.session_last_at),
            campaignKey: row.session_campaign,
            entryPage: row.session_entry_page,
            lastPage: row.session_last_page,
          }
        : null,
  };
}

/**
 * Serialises every writer of the given projects until the transaction ends (erasures; batches
 * take the same lock shared). Taken in sorted order so two transactions that share projects
 * cannot deadlock.
 */
export async function lockProjects(client: PoolClient, projectIds: string[]): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended(p, 7299)) FROM unnest($1::text[]) AS p ORDER BY p', [[...projectIds].sort()]);
}

/** One round trip: counters, the batch's aliases and their visitors, ledger hits and erased ids. */
export async function loadBatch(client: PoolClient, projectIds: string[], keys: BatchKeys, erasureSecret: string): Promise<LoadedBatch> {
  // erased_ids holds keyed hashes of alias ids (stores/erasure.store.ts).
  const hashes = keys.aliases.map((k) => erasureIdHash(erasureSecret, k.projectId, k.aliasId));
  const { rows } = await client.query(LOAD_SQL, [
    projectIds,
    keys.aliases.map((k) => k.projectId),
    keys.aliases.map((k) => k.aliasId),
    keys.messages.map((k) => k.projectId),
    keys.messages.map((k) => k.messageId),
    hashes,
  ]);
  const row = rows[0] as { counters: Array<{ project_id: string; next_index: number }>; aliases: Array<{ project_id: string; alias_id: string; visitor_index: number }>; ledger: Array<Record<string, unknown>>; visitors: VisitorRow[]; erased: string[] };
  const counters = new Map(row.counters.map((c) => [c.project_id, c.next_index]));
  const projects = new Map(projectIds.map((p) => [p, emptyProjectIdentity(p, counters.get(p) ?? 0)]));
  for (const a of row.aliases) projects.get(a.project_id)!.aliases.set(a.alias_id, a.visitor_index);
  for (const v of row.visitors) projects.get(v.project_id)!.visitors.set(v.visitor_index, toVisitor(v));
  const erased = new Set(row.erased);
  keys.aliases.forEach((k, i) => {
    if (erased.has(hashes[i]!)) projects.get(k.projectId)!.erased.add(k.aliasId);
  });
  const ledger = new Map<string, LedgerEntry>();
  for (const l of row.ledger) {
    const entry: LedgerEntry = {
      projectId: l.project_id as string,
      messageId: l.message_id as string,
      visitorIndex: l.visitor_index as number,
      visitorId: l.visitor_id as string,
      sessionId: l.session_id as string,
      isNewVisitor: l.is_new_visitor as boolean,
      isNewSession: l.is_new_session as boolean,
      mergedIndexes: (l.merged_indexes as number[] | null) ?? [],
      entryPage: l.entry_page as string | null,
      previousExitPage: l.previous_exit_page as string | null,
      receivedAt: l.received_at as string,
      sourcePartition: (l.source_partition as number | null) ?? null,
      // As text: a bigint in JSON would lose precision past 2^53.
      sourceOffset: (l.source_offset_text as string | null) ?? null,
    };
    ledger.set(ledgerKey(entry.projectId, entry.messageId), entry);
  }
  return { projects, ledger };
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

async function saveVisitors(client: PoolClient, visitors: Array<{ projectId: string; v: VisitorRecord }>): Promise<void> {
  if (visitors.length === 0) return;
  const col = <T>(f: (x: { projectId: string; v: VisitorRecord }) => T) => visitors.map(f);
  await client.query(
    `INSERT INTO visitors (project_id, visitor_index, visitor_id, user_id, traits, first_seen_at, last_seen_at, merged_into,
       session_id, session_started_at, session_last_at, session_campaign, session_entry_page, session_last_page)
     SELECT p, i, vid, uid, t::jsonb, fs, ls, mi, sid, ss, sl, sc, se, sp
     FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::int[],
                 $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::text[])
          AS u(p, i, vid, uid, t, fs, ls, mi, sid, ss, sl, sc, se, sp)
     ON CONFLICT (project_id, visitor_index) DO UPDATE SET visitor_id = EXCLUDED.visitor_id, user_id = EXCLUDED.user_id,
       traits = EXCLUDED.traits, first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at,
       merged_into = EXCLUDED.merged_into, session_id = EXCLUDED.session_id, session_started_at = EXCLUDED.session_started_at,
       session_last_at = EXCLUDED.session_last_at, session_campaign = EXCLUDED.session_campaign,
       session_entry_page = EXCLUDED.session_entry_page, session_last_page = EXCLUDED.session_last_page`,
    [
      col((x) => x.projectId),
      col((x) => x.v.index),
      col((x) => x.v.visitorId),
      col((x) => x.v.userId),
      col((x) => JSON.stringify(x.v.traits)),
      col((x) => iso(x.v.firstSeenAt)),
      col((x) => iso(x.v.lastSeenAt)),
      col((x) => x.v.mergedInto),
      col((x) => x.v.session?.sessionId ?? null),
      col((x) => iso(x.v.session?.startedAt)),
      col((x) => iso(x.v.session?.lastEventAt)),
      col((x) => x.v.session?.campaignKey ?? null),
      col((x) => x.v.session?.entryPage ?? null),
      col((x) => x.v.session?.lastPage ?? null),
    ],
  );
}

/** Most touched visitors only moved on in time: a narrow in-place (HOT) update of the session columns. */
async function saveSessions(client: PoolClient, visitors: Array<{ projectId: string; v: VisitorRecord }>): Promise<void> {
  if (visitors.length === 0) return;
  const col = <T>(f: (x: { projectId: string; v: VisitorRecord }) => T) => visitors.map(f);
  await client.query(
    `UPDATE visitors v SET last_seen_at = u.ls, session_id = u.sid, session_started_at = u.ss, session_last_at = u.sl,
       session_campaign = u.sc, session_entry_page = u.se, session_last_page = u.sp
     FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[])
          AS u(p, i, ls, sid, ss, sl, sc, se, sp)
     WHERE v.project_id = u.p AND v.visitor_index = u.i`,
    [
      col((x) => x.projectId),
      col((x) => x.v.index),
      col((x) => iso(x.v.lastSeenAt)),
      col((x) => x.v.session?.sessionId ?? null),
      col((x) => iso(x.v.session?.startedAt)),
      col((x) => iso(x.v.session?.lastEventAt)),
      col((x) => x.v.session?.campaignKey ?? null),
      col((x) => x.v.session?.entryPage ?? null),
      col((x) => x.v.session?.lastPage ?? null),
    ],
  );
}

/** Inserts the ledger rows; returns how many were new (a messageId already there is left as it is). */
async function saveLedger(client: PoolClient, entries: LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const col = <T>(f: (e: LedgerEntry) => T) => entries.map(f);
  const { rowCount } = await client.query(
    `INSERT INTO event_ledger (project_id, message_id, visitor_index, visitor_id, session_id, is_new_visitor, is_new_session,
       merged_indexes, entry_page, previous_exit_page, received_at, source_partition, source_offset)
     SELECT p, m, i, vid, sid, nv, ns, mi::int[], ep, xp, ra, sp, so
     FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                 $12::int[], $13::bigint[])
          AS u(p, m, i, vid, sid, nv, ns, mi, ep, xp, ra, sp, so)
     ON CONFLICT (project_id, message_id) DO NOTHING`,
    [
      col((e) => e.projectId),
      col((e) => e.messageId),
      col((e) => e.visitorIndex),
      col((e) => e.visitorId),
      col((e) => e.sessionId),
      col((e) => e.isNewVisitor),
      col((e) => e.isNewSession),
      col((e) => `{${e.mergedIndexes.join(',')}}`),
      col((e) => e.entryPage),
      col((e) => e.previousExitPage),
      col((e) => e.receivedAt),
      col((e) => e.sourcePartition),
      col((e) => e.sourceOffset),
    ],
  );
  return rowCount ?? 0;
}

/** A concurrent batch of the project wrote a row this one was about to insert: the batch is run again. */
export class IdentityConflict extends Error {
  constructor(what: string) {
    super(`identity conflict: ${what}`);
    this.name = 'IdentityConflict';
  }
}

/**
 * Locks the visitor rows the batch's alias ids point to, in (project, index) order, so two
 * batches that share visitors take turns on those rows only and cannot deadlock on them. Rows
 * locked here are read after the lock (a fresh snapshot), so they hold what the last writer
 * committed. Returns the locked rows as `project\nindex`.
 */
export async function lockVisitors(client: PoolClient, keys: BatchKeys, extra: Array<{ projectId: string; index: number }> = []): Promise<Set<string>> {
  const { rows } = await client.query<{ project_id: string; visitor_index: number }>(
    `WITH keys AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(project_id, alias_id)),
     idx AS (SELECT a.project_id, a.visitor_index FROM visitor_aliases a JOIN keys USING (project_id, alias_id)
             UNION SELECT * FROM unnest($3::text[], $4::int[]))
     SELECT v.project_id, v.visitor_index FROM visitors v JOIN idx USING (project_id, visitor_index)
     ORDER BY v.project_id, v.visitor_index FOR UPDATE OF v`,
    [keys.aliases.map((k) => k.projectId), keys.aliases.map((k) => k.aliasId), extra.map((e) => e.projectId), extra.map((e) => e.index)],
  );
  return new Set(rows.map((r) => visitorKey(r.project_id, r.visitor_index)));
}

export const visitorKey = (projectId: string, index: number) => `${projectId}\n${index}`;

/** Visitors the loaded aliases point to that `locked` does not hold (an alias moved by a merge, or created, since the lock). */
export function unlockedVisitors(loaded: LoadedBatch, locked: Set<string>): Array<{ projectId: string; index: number }> {
  const missing = new Map<string, { projectId: string; index: number }>();
  for (const state of loaded.projects.values()) {
    for (const index of state.aliases.values()) {
      const key = visitorKey(state.projectId, index);
      if (!locked.has(key)) missing.set(key, { projectId: state.projectId, index });
    }
  }
  return [...missing.values()];
}

async function insertAliases(client: PoolClient, projectId: string, aliases: WriteSet['aliases']): Promise<void> {
  if (aliases.length === 0) return;
  const { rowCount } = await client.query(
    `INSERT INTO visitor_aliases (project_id, alias_id, visitor_index) SELECT $1, a, i FROM unnest($2::text[], $3::int[]) AS u(a, i)
     ON CONFLICT (project_id, alias_id) DO NOTHING`,
    [projectId, aliases.map((a) => a.aliasId), aliases.map((a) => a.index)],
  );
  if (rowCount !== aliases.length) throw new IdentityConflict(`${aliases.length - (rowCount ?? 0)} alias ids of project ${projectId} were created meanwhile`);
}

async function applyMerges(client: PoolClient, projectId: string, merges: WriteSet['merges']): Promise<void> {
  // In merge order, so that a chain (3 into 5, then 5 into 9) ends at the last survivor.
  for (const m of merges) {
    await client.query('UPDATE visitor_aliases SET visitor_index = $3 WHERE project_id = $1 AND visitor_index = $2', [projectId, m.absorbed, m.canonical]);
    await client.query('UPDATE visitors SET merged_into = $3 WHERE project_id = $1 AND merged_into = $2', [projectId, m.absorbed, m.canonical]);
  }
}

/**
 * The rows that need no final index: merges and visitors of existing indexes, and every new
 * alias and ledger row (those naming a new index with its provisional value, fixed by
 * `fixProvisional` once the counter is held). Inserting them here, before the counter, means a
 * batch that holds the counter never waits on another one.
 */
export async function saveEarly(client: PoolClient, writes: ProjectWrites): Promise<void> {
  const { projectId, early, late } = writes;
  await applyMerges(client, projectId, early.merges);
  await saveVisitors(client, early.visitors.map((v) => ({ projectId, v })));
  await saveSessions(client, early.sessions.map((v) => ({ projectId, v })));
  await insertAliases(client, projectId, [...early.aliases, ...late.aliases]);
  const ledger = [...early.ledger, ...late.ledger];
  const inserted = await saveLedger(client, ledger);
  if (inserted !== ledger.length) throw new IdentityConflict(`${ledger.length - inserted} messages of project ${projectId} were enriched meanwhile`);
}

/**
 * Takes `count` indexes from the project's counter and returns the first. The counter row stays
 * locked until the transaction ends: this and what follows up to COMMIT is the only section of
 * a batch that excludes the project's other batches, and only batches with new visitors enter it.
 */
export async function allocateIndexes(client: PoolClient, projectId: string, count: number): Promise<number> {
  const { rows } = await client.query<{ base: number }>(
    `INSERT INTO visitor_counters (project_id, next_index) VALUES ($1, $2)
     ON CONFLICT (project_id) DO UPDATE SET next_index = visitor_counters.next_index + EXCLUDED.next_index
     RETURNING next_index - $2 AS base`,
    [projectId, count],
  );
  return rows[0]!.base;
}

/**
 * After `rebase`: points the aliases and ledger rows written early with provisional indexes at
 * the final ones (nothing to do when the provisional base was right), then writes the new
 * visitors and the rows that name them.
 */
export async function saveLate(client: PoolClient, writes: ProjectWrites, moved: boolean): Promise<void> {
  const { projectId, late } = writes;
  if (moved && late.aliases.length) {
    await client.query(
      `UPDATE visitor_aliases a SET visitor_index = u.i FROM unnest($2::text[], $3::int[]) AS u(a, i) WHERE a.project_id = $1 AND a.alias_id = u.a`,
      [projectId, late.aliases.map((a) => a.aliasId), late.aliases.map((a) => a.index)],
    );
  }
  if (moved && late.ledger.length) {
    await client.query(
      `UPDATE event_ledger l SET visitor_index = u.i, merged_indexes = u.mi::int[], session_id = u.sid
       FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) AS u(m, i, mi, sid) WHERE l.project_id = $1 AND l.message_id = u.m`,
      [projectId, late.ledger.map((e) => e.messageId), late.ledger.map((e) => e.visitorIndex), late.ledger.map((e) => `{${e.mergedIndexes.join(',')}}`), late.ledger.map((e) => e.sessionId)],
    );
  }
  await applyMerges(client, projectId, late.merges);
  await saveVisitors(client, late.visitors.map((v) => ({ projectId, v })));
  await saveSessions(client, late.sessions.map((v) => ({ projectId, v })));
}

/** Runs `fn` in a transaction holding the projects' locks exclusively (erasures); commits only if it resolves. */
export async function inProjectTransaction<T>(pool: Pool, projectIds: string[], fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await lockProjects(client, projectIds);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Why a batch transaction is run again, or null when the error is not a race with another batch. */
export function retryReason(err: unknown): string | null {
  if (err instanceof IdentityConflict) return 'conflict';
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '40P01') return 'deadlock';
  if (code === '40001') return 'serialization';
  return null;
}

export interface BatchTransactionOptions {
  attempts?: number;
  onRetry?: (reason: string) => void;
}

/**
 * Runs `fn` in a transaction that holds the projects' locks in shared mode (batches of one
 * project run side by side; an erasure, which takes them exclusively, waits for them and they
 * for it). A race with another batch (`IdentityConflict`, a deadlock Postgres broke) rolls back
 * and runs `fn` again from its load, up to `attempts` times.
 */
export async function inBatchTransaction<T>(pool: Pool, projectIds: string[], fn: (client: PoolClient) => Promise<T>, options: BatchTransactionOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock_shared(hashtextextended(p, 7299)) FROM unnest($1::text[]) AS p ORDER BY p', [[...projectIds].sort()]);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const reason = retryReason(err);
      if (reason === null || attempt >= attempts) throw err;
      options.onRetry?.(reason);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 5 * attempt)));
    } finally {
      client.release();
    }
  }
}
