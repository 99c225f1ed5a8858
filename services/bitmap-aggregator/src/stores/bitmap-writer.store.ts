import { DEVELOPMENT_ERASURE_ID_SECRET } from '@sightline/config';
import { erasureIdHash, type EnrichedEventParsed, type Erasure } from '@sightline/contracts';
import { BOT, dimensionsOf, EXIT_OPEN, fineCountOf, NEW, PAGEVIEW } from '../domain/dimensions.handler';
import { decodeOpen, exitWrites, planExits, type ExitWrites, type OpenSession, type SessionStep } from '../domain/exit-pages.handler';
import { projectKeys, type ProjectKeys } from '../domain/keys.handler';
import { emptyPlan, keysOfVisitor, planEvents, splitTouched, type ProjectedEvent, type WritePlan } from '../domain/projection.handler';
import { batchCopies, seenDays, seenExpiry, seenId } from '../domain/seen-messages.handler';
import type { ProjectSettings } from '../domain/range.handler';
import type { BitmapScripts, RedisClient } from './redis-client.store';
import { createValueCap } from './value-cap.store';
import { createWeekMarker } from './week-marker.store';

/** An enriched event with the Kafka position it came from. */
export interface PositionedEvent {
  offset: bigint;
  event: EnrichedEventParsed;
}

export interface BitmapWriter {
  /**
   * Projects events of one project from one partition (offset order). `source` names the
   * partition (`<topic>:<partition>`): the totals watermark field.
   */
  applyEvents(projectId: string, settings: ProjectSettings, source: string, events: PositionedEvent[]): Promise<void>;
  applyErasure(erasure: Erasure, settings: ProjectSettings): Promise<number[]>;
}

/** The store changed between read and write (a merge, an erasure, another writer): retry. */
export class WriteConflictError extends Error {
  constructor(what: string) {
    super(`bitmap write conflict: ${what}`);
    this.name = 'WriteConflictError';
  }
}

const MAX_ATTEMPTS = 8;
/** Default of TOTALS_DEDUPE_DAYS. */
export const DEDUPE_DAYS = 2;

export interface BitmapWriterOptions {
  /** Trait keys that become dimensions; null = all (a per-user trait such as email would create keys per visitor). */
  traitKeys?: ReadonlySet<string> | null;
  now?: () => number;
  /** See `encodePlan`; 0 writes every bit as a BITFIELD offset. */
  patchBytesPerBit?: number;
  /** ERASURE_ID_SECRET: an erasure that names no index is matched by the keyed hashes of the `ids` hash's fields. */
  erasureIdSecret?: string;
  /** TOTALS_DEDUPE_DAYS: how long a day's messageIds are kept after the day (see seenExpiry). */
  dedupeDays?: number;
}

/**
 * Where a key's bits in a batch are dense enough, sending them as a bitmap to OR in beats one
 * BITFIELD offset per bit. Measured in redis-server 7 (Lua): a BITFIELD SET costs ~0.4–0.55 µs
 * per bit (argument conversion and parsing), SET + BITOP OR of a patch ~0.9 ns per byte of the
 * key (117 µs at 125 KB, a million visitors). A patch is sent when its bytes are at most this
 * many per bit it carries: every key of 4,000-event batches at 100k visitors, the dense ones
 * ($active, names, browsers …) at a million.
 */
export const PATCH_BYTES_PER_BIT = 256;

export function createBitmapWriter(client: RedisClient, scripts: BitmapScripts, prefix: string, options: BitmapWriterOptions = {}): BitmapWriter {
  const now = options.now ?? Date.now;
  const traitKeys = options.traitKeys ?? null;
  const patchBytesPerBit = options.patchBytesPerBit ?? PATCH_BYTES_PER_BIT;
  const erasureSecret = options.erasureIdSecret ?? DEVELOPMENT_ERASURE_ID_SECRET;
  const dedupeDays = options.dedupeDays ?? DEDUPE_DAYS;
  const valueCap = createValueCap(scripts, now);
  const ensureWeeksFrom = createWeekMarker(client, now);
  async function resolve(keys: ProjectKeys, source: string, visitors: number[], dims: string[] = []) {
    const [watermark, canonical, ids, open] = await scripts.resolve(
      [keys.offsets, keys.merged, keys.canon, keys.erased, keys.dimIds, keys.dimNames, keys.open],
      [source, visitors.length, ...visitors, ...dims],
    );
    const openOf = new Map<number, OpenSession | null>();
    canonical.forEach((c, i) => c >= 0 && openOf.set(c, decodeOpen(open[i])));
    return { watermark, canonical: new Map(visitors.map((v, i) => [v, canonical[i]!])), dimIds: new Map(dims.map((d, i) => [d, ids[i]!])), open: openOf };
  }

  /** Ids for the exit dimensions a plan adds that the registry does not have yet (new pages only). */
  async function registerExits(keys: ProjectKeys, exits: ExitWrites, dimIds: Map<string, number>): Promise<void> {
    const missing = [...new Set(exits.events.map((e) => e.dims[0]!))].filter((d) => !dimIds.has(d));
    if (missing.length === 0) return;
    for (const [dim, id] of (await resolve(keys, '', [], missing)).dimIds) dimIds.set(dim, id);
  }

  async function applySegment(keys: ProjectKeys, settings: ProjectSettings, source: string, events: PositionedEvent[]): Promise<void> {
    const dimsOf = events.map((e) => dimensionsOf(e.event, settings.botFiltering, traitKeys));
    const times = events.map((e) => Date.parse(e.event.timestamp));
    // The cap's pass over the batch's (day, dimension) pairs also gives its distinct dimensions.
    const unique = await valueCap.fold(keys, settings, times, dimsOf);
    const visitors = [...new Set(events.map((e) => e.event.visitorIndex))];
    const dims = [...unique];
    const newWatermark = events[events.length - 1]!.offset.toString();
    // Events whose messageId is earlier in the batch or was projected before (APPLY says which).
    const ids = events.map((e) => seenId(e.event.messageId));
    const copies = new Set(batchCopies(ids));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const state = await resolve(keys, source, visitors, dims);
      const applied = state.watermark === '' ? -1n : BigInt(state.watermark);
      const projected: ProjectedEvent[] = [];
      const steps: SessionStep[] = [];
      const kept: number[] = [];
      events.forEach((e, i) => {
        const visitor = state.canonical.get(e.event.visitorIndex)!;
        if (e.offset <= applied || visitor < 0 || copies.has(i)) return;
        kept.push(i);
        const dims = dimsOf[i]!;
        projected.push({ visitor, utcMs: times[i]!, dims, fine: fineCountOf(dims), ids: e.event.userId ? [e.event.visitorId, e.event.userId] : [e.event.visitorId] });
        if (dims[0] !== BOT) steps.push({ visitor, utcMs: times[i]!, sessionId: e.event.sessionId, page: e.event.name === PAGEVIEW ? pageIn(dims) : null });
      });
      if (BigInt(newWatermark) <= applied) return;
      const exits = exitWrites(planExits(state.open, steps), settings);
      await registerExits(keys, exits, state.dimIds);
      const plan = planEvents(emptyPlan(), exits.events.length ? projected.concat(exits.events) : projected, settings, state.dimIds, now());
      const { dataKeys, ops } = encodePlan(plan, keys, patchBytesPerBit, exits);
      const checked = [...new Set(projected.map((p) => p.visitor))];
      const days = seenDays(kept.map((i) => ({ id: ids[i]!, utcMs: times[i]! })));
      const seenArgs: Array<string | number | Buffer> = [days.length];
      for (const day of days) {
        dataKeys.push(keys.seen(day.day));
        seenArgs.push(dataKeys.length + 3, seenExpiry(day.day, now(), dedupeDays), day.fields, day.counts.join(','), day.rests);
      }
      const done = await scripts.apply(
        [keys.offsets, keys.merged, keys.erased, ...dataKeys],
        [source, state.watermark, newWatermark, checked.length, ...checked, ...seenArgs, ...ops],
      );
      if (done === 1) return;
      if (Array.isArray(done)) {
        const order = days.flatMap((day) => day.events);
        for (const position of done) copies.add(kept[order[position - 1]!]!);
      }
    }
    throw new WriteConflictError(`apply ${source}`);
  }

  async function visitorIndex(keys: ProjectKeys, visitor: number) {
    const members = (await client.smembers(keys.touched(visitor))).map(Number);
    const { dimIds, hours } = splitTouched(members);
    const names = dimIds.length ? ((await client.hmget(keys.dimNames, ...dimIds.map(String))).filter(Boolean) as string[]) : [];
    return { size: members.length, dims: names, hours };
  }

  /** Makes `merged` the same person as `survivor` (see docs/bitmaps.md, "Merges"). */
  async function merge(keys: ProjectKeys, settings: ProjectSettings, survivor: number, merged: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { canonical } = await resolve(keys, '', [survivor, merged]);
      const c = canonical.get(survivor)!;
      const m = canonical.get(merged)!;
      if (c < 0 || m < 0 || c === m) return;
      const index = await visitorIndex(keys, m);
      // A merged visitor's first visit is not the survivor's: copying `$new` would make one person new twice.
      const dataKeys = keysOfVisitor(index.dims.filter((d) => d !== NEW), index.hours, keys, settings, now());
      const done = await scripts.merge(
        [keys.merged, keys.canon, keys.touched(c), keys.touched(m), keys.members(c), keys.members(m), ...dataKeys],
        [m, c, index.size],
      );
      if (done === 1) return;
    }
    throw new WriteConflictError(`merge ${merged} into ${survivor}`);
  }

  /**
   * Every id the `ids` hash maps to one of `indexes`: an erasure names the ids the gateway knew,
   * but the hash also holds the visitor's earlier ids (an anonymousId before the login, merged
   * visitors' ids), and none may stay (issue #16 finding 7). A scan of the project's hash,
   * which only an erasure pays.
   */
  async function idsNaming(keys: ProjectKeys, indexes: Set<number>): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await client.hscan(keys.ids, cursor, 'COUNT', 1000);
      for (let i = 0; i + 1 < flat.length; i += 2) if (indexes.has(Number(flat[i + 1]))) found.push(flat[i]!);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /**
   * The indexes whose ids (fields of the `ids` hash) hash to one of `idHashes`: for an erasure
   * made before the event store knew the visitor, which then names no index (issue #16 finding
   * 7c: the request carries no plain id). A scan of the project's hash, like idsNaming.
   */
  async function indexesByHash(keys: ProjectKeys, projectId: string, idHashes: string[]): Promise<number[]> {
    const wanted = new Set(idHashes);
    const found: number[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await client.hscan(keys.ids, cursor, 'COUNT', 1000);
      for (let i = 0; i + 1 < flat.length; i += 2) if (wanted.has(erasureIdHash(erasureSecret, projectId, flat[i]!))) found.push(Number(flat[i + 1]));
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  async function erase(keys: ProjectKeys, settings: ProjectSettings, visitor: number, named: string[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const index = await visitorIndex(keys, visitor);
      const members = (await client.smembers(keys.members(visitor))).map(Number);
      const ids = [...new Set([...named, ...(await idsNaming(keys, new Set([visitor, ...members])))])];
      const dataKeys = keysOfVisitor(index.dims, index.hours, keys, settings, now());
      const done = await scripts.erase(
        [keys.erased, keys.ids, keys.touched(visitor), keys.members(visitor), ...dataKeys],
        [index.size, members.length + 1, visitor, ...members, ...ids],
      );
      if (done === 1) {
        await client.hdel(keys.open, String(visitor), ...members.map(String));
        return;
      }
    }
    throw new WriteConflictError(`erase ${visitor}`);
  }

  return {
    async applyEvents(projectId, settings, source, events) {
      if (events.length === 0) return;
      const keys = projectKeys(prefix, projectId);
      await ensureWeeksFrom(keys, settings);
      let segment: PositionedEvent[] = [];
      for (const item of events) {
        if (item.event.mergedVisitorIndexes.length > 0) {
          if (segment.length) await applySegment(keys, settings, source, segment);
          segment = [];
          const { watermark } = await resolve(keys, source, []);
          if (watermark === '' || item.offset > BigInt(watermark)) {
            for (const m of item.event.mergedVisitorIndexes) await merge(keys, settings, item.event.visitorIndex, m);
          }
        }
        segment.push(item);
      }
      await applySegment(keys, settings, source, segment);
    },

    async applyErasure(erasure, settings) {
      const keys = projectKeys(prefix, erasure.projectId);
      // By index (also when a rebuild meets the request before the visitor's events: the erased
      // bit then refuses them), by the plain ids of records before 2026-12-03, else by keyed hash.
      const found = new Set(erasure.visitorIndexes ?? []);
      const named = erasure.visitorIds ?? [];
      if (named.length) for (const v of await client.hmget(keys.ids, ...named)) if (v !== null) found.add(Number(v));
      if (found.size === 0 && erasure.idHashes?.length) for (const v of await indexesByHash(keys, erasure.projectId, erasure.idHashes)) found.add(v);
      const { canonical } = await resolve(keys, '', [...found]);
      const erased: number[] = [];
      for (const visitor of new Set(canonical.values())) {
        if (visitor < 0) continue;
        await erase(keys, settings, visitor, named);
        erased.push(visitor);
      }
      return erased;
    },
  };
}

/**
 * Turns a plan into the APPLY script's KEYS (after the 3 fixed ones) and ops. A cell's bits go
 * as a patch (`P`: a bitmap ORed into the key with BITOP through the project's scratch key) when
 * its bytes are at most `patchBytesPerBit` per bit, else as BITFIELD offsets (`B`).
 */
export function encodePlan(
  plan: WritePlan,
  keys: ProjectKeys,
  patchBytesPerBit = PATCH_BYTES_PER_BIT,
  exits: Pick<ExitWrites, 'clears' | 'states'> = { clears: [], states: new Map() },
): { dataKeys: string[]; ops: Array<string | number | Buffer> } {
  const dataKeys: string[] = [keys.ids];
  const indexOf = new Map<string, number>();
  const ref = (key: string) => {
    let i = indexOf.get(key);
    if (i === undefined) {
      dataKeys.push(key);
      i = dataKeys.length + 3;
      indexOf.set(key, i);
    }
    return i;
  };
  const ops: Array<string | number | Buffer> = [];
  // Clears first: a visitor's open-session exit bit may be cleared and set again in one batch.
  for (const c of exits.clears) ops.push('C', ref(keys.bitmap(c.dim, c.label)), c.visitor);
  for (const [label, cells] of plan.cells) {
    for (const [dim, { visitors }] of cells) {
      const patch = patchOf(visitors, patchBytesPerBit);
      if (patch) ops.push('P', ref(keys.bitmap(dim, label)), ref(keys.scratch), patch);
      else {
        const offsets = [...new Set(visitors)];
        ops.push('B', ref(keys.bitmap(dim, label)), offsets.length, offsets.join(','));
      }
    }
  }
  for (const [label, cells] of plan.cells) {
    // An open session's exit bit is set again at each move: a count of those would mean nothing.
    const counted = [...cells].filter(([dim]) => !dim.startsWith(EXIT_OPEN_PREFIX));
    ops.push('H', ref(keys.totals(label)), counted.length);
    for (const [dim, { events }] of counted) ops.push(dim, events);
  }
  // After the bits: BITOP replaces a key's value, and with it any expiry it had.
  for (const [label, at] of plan.expiries) {
    ops.push('E', ref(keys.totals(label)), at);
    for (const dim of plan.cells.get(label)?.keys() ?? []) ops.push('E', ref(keys.bitmap(dim, label)), at);
  }
  for (const [visitor, touched] of plan.touched) ops.push('S', ref(keys.touched(visitor)), touched.size, [...touched].join(','));
  if (plan.ids.size) {
    ops.push('I', 4, plan.ids.size);
    for (const [id, visitor] of plan.ids) ops.push(id, visitor);
  }
  if (exits.states.size) {
    ops.push('I', ref(keys.open), exits.states.size);
    for (const [visitor, state] of exits.states) ops.push(visitor, state);
  }
  return { dataKeys, ops };
}

const EXIT_OPEN_PREFIX = `${EXIT_OPEN}:`;

/** The page of a pageview from its dimensions (after the value cap: possibly `(other)`). */
function pageIn(dims: string[]): string | null {
  for (const dim of dims) if (dim.startsWith('page:')) return dim.slice(5);
  return null;
}

/**
 * The visitors (repeats allowed) as a Redis bitmap (bit v = byte v >> 3, most significant bit
 * first), as long as the byte of the highest one: ORed into a key it grows it exactly as setting
 * the bits would. Null when that is more than `bytesPerBit` bytes per listed visitor.
 */
export function patchOf(visitors: readonly number[], bytesPerBit: number): Buffer | null {
  let max = -1;
  for (const v of visitors) if (v > max) max = v;
  const bytes = (max >> 3) + 1;
  if (max < 0 || bytes > visitors.length * bytesPerBit) return null;
  const patch = Buffer.alloc(bytes);
  for (const v of visitors) patch[v >> 3]! |= 0x80 >> (v & 7);
  return patch;
}
