/**
 * The funnel's wire format. Streaming millions of rows through the pg row protocol costs about
 * a microsecond per row in the client; instead each shard query returns a few rows (one per step
 * name, or one when steps filter properties), each holding whole columns as `bytea`s:
 *   records: int32 person | int64 µs since 2000-01-01 (timestamptz_send) [| int32 step bits]
 *   ids:     the messageIds (UTF-8), separated by a 0 byte (text never contains one); only
 *            in the re-read of events tied in time (see `Grouping.ties`)
 *   values:  int32 n (−1 = null) + n bytes, per record (only when breaking down by property)
 * all big-endian, as Postgres' int4send/timestamptz_send write them. Without property filters a
 * row's step bits follow from its name, so records carry none; fixed-width records and separate
 * id/value columns cost Postgres about half of per-record concatenation with lengths. The parser
 * turns the parts into typed columns grouped by person and ordered by (time, messageId) without
 * allocating per row.
 */
export interface StepPart {
  /** Step bits of every record of this part; null when each record carries its own. */
  bits: number | null;
  records: Buffer;
  /** Null when not read: the (time, messageId) order then needs no ids, unless times tie. */
  ids: Buffer | null;
  values: Buffer | null;
}

/** Person → the instants (epoch ms, as parsed) at which two or more of its events tie. */
export type Ties = Map<number, Set<number>>;

export interface StepColumns {
  count: number;
  visitor: Int32Array;
  /** Epoch milliseconds (fractional: microsecond precision). */
  time: Float64Array;
  bits: Int32Array;
  /** Byte ranges of each record's messageId and value in `buf` (value start −1 when null). */
  idStart: Int32Array;
  idEnd: Int32Array;
  valueStart: Int32Array;
  valueEnd: Int32Array;
  buf: Buffer;
}

/** 2000-01-01T00:00:00Z (Postgres' timestamp epoch) in Unix microseconds. */
const PG_EPOCH_US = 946_684_800_000_000;

/**
 * Typed columns of all parts. With `tied`, the parts are the first read plus the re-read of the
 * tied instants: a record is kept from the re-read (with its id) when its (person, time) is
 * tied, else from the first read, so each event appears once.
 */
export function parseStepParts(parts: StepPart[], withValue: boolean, tied?: Ties): StepColumns {
  let cap = 0;
  for (const p of parts) cap += p.records.length / (p.bits === null ? 16 : 12);
  // One buffer for every id and value so that records address them by offset.
  const buf = Buffer.concat(parts.flatMap((p) => [...(p.ids ? [p.ids, ZERO] : []), ...(withValue ? [p.values ?? EMPTY] : [])]));
  const cols: StepColumns = {
    count: 0,
    visitor: new Int32Array(cap),
    time: new Float64Array(cap),
    bits: new Int32Array(cap),
    idStart: new Int32Array(cap),
    idEnd: new Int32Array(cap),
    valueStart: new Int32Array(withValue ? cap : 0),
    valueEnd: new Int32Array(withValue ? cap : 0),
    buf,
  };
  let base = 0;
  for (const p of parts) base = readPart(cols, p, base, withValue, tied);
  return cols;
}

/** Appends one part's records to `cols`; `base` is where its ids (then values) start in `buf`. */
function readPart(cols: StepColumns, p: StepPart, base: number, withValue: boolean, tied: Ties | undefined): number {
  const { buf } = cols;
  const r = p.records;
  const size = p.bits === null ? 16 : 12;
  const count = r.length / size;
  if (!p.ids && !withValue && !tied) return readRecordsOnly(cols, p, base);
  const idsEnd = p.ids ? base + p.ids.length : base;
  let idPos = base;
  let valuePos = p.ids ? idsEnd + 1 : base;
  for (let i = 0, pos = 0; i < count; i++, pos += size) {
    const person = r.readInt32BE(pos);
    const time = (r.readInt32BE(pos + 4) * 4294967296 + r.readUInt32BE(pos + 8) + PG_EPOCH_US) / 1000;
    let idStart = -1;
    let idEnd = -1;
    if (p.ids) {
      idEnd = idPos;
      while (idEnd < idsEnd && buf[idEnd] !== 0) idEnd++;
      idStart = idPos;
      idPos = idEnd + 1;
    }
    let valueStart = -1;
    let valueEnd = -1;
    if (withValue) {
      const length = buf.readInt32BE(valuePos);
      valuePos += 4;
      if (length >= 0) {
        valueStart = valuePos;
        valueEnd = valuePos + length;
        valuePos += length;
      }
    }
    if (tied && (tied.get(person)?.has(time) ?? false) !== (p.ids !== null)) continue;
    const n = cols.count++;
    cols.visitor[n] = person;
    cols.time[n] = time;
    cols.bits[n] = p.bits === null ? r.readInt32BE(pos + 12) : p.bits;
    cols.idStart[n] = idStart;
    cols.idEnd[n] = idEnd;
    if (withValue) {
      cols.valueStart[n] = valueStart;
      cols.valueEnd[n] = valueEnd;
    }
  }
  if (p.ids && count > 0 && idPos !== idsEnd + 1) throw new Error('step part: ids do not match records');
  return (p.ids ? idsEnd + 1 : base) + (withValue ? (p.values?.length ?? 0) : 0);
}

/** The common case (no ids, values or re-read): a tight loop over a DataView. */
function readRecordsOnly(cols: StepColumns, p: StepPart, base: number): number {
  const r = p.records;
  const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
  const size = p.bits === null ? 16 : 12;
  const first = cols.count;
  const count = r.length / size;
  const { visitor, time, bits } = cols;
  for (let i = 0, pos = 0; i < count; i++, pos += size) {
    visitor[first + i] = view.getInt32(pos);
    time[first + i] = (view.getInt32(pos + 4) * 4294967296 + view.getUint32(pos + 8) + PG_EPOCH_US) / 1000;
    bits[first + i] = p.bits === null ? view.getInt32(pos + 12) : p.bits;
  }
  cols.idStart.fill(-1, first, first + count);
  cols.idEnd.fill(-1, first, first + count);
  cols.count = first + count;
  return base;
}

const ZERO = Buffer.alloc(1);
const EMPTY = Buffer.alloc(0);

export function valueAt(cols: StepColumns, i: number): string | null {
  return cols.valueStart[i]! < 0 ? null : cols.buf.toString('utf8', cols.valueStart[i], cols.valueEnd[i]);
}

/** One value per person (fetchPersonTraits): `ids[person]` indexes `values`, −1 when the person has no row. */
export interface PersonValues {
  ids: Int32Array;
  values: Array<string | null>;
}

/** Parses int32 person | int32 n (−1 = null) | n bytes records; equal values share one id. */
export function parsePersonValues(buf: Buffer): PersonValues {
  let max = -1;
  for (let pos = 0; pos < buf.length; ) {
    max = Math.max(max, buf.readInt32BE(pos));
    const n = buf.readInt32BE(pos + 4);
    pos += 8 + Math.max(n, 0);
  }
  const ids = new Int32Array(max + 1).fill(-1);
  const values: Array<string | null> = [];
  const idOf = new Map<string | null, number>();
  for (let pos = 0; pos < buf.length; ) {
    const person = buf.readInt32BE(pos);
    const n = buf.readInt32BE(pos + 4);
    const value = n < 0 ? null : buf.toString('utf8', pos + 8, pos + 8 + n);
    pos += 8 + Math.max(n, 0);
    let id = idOf.get(value);
    if (id === undefined) {
      id = values.length;
      values.push(value);
      idOf.set(value, id);
    }
    ids[person] = id;
  }
  return { ids, values };
}

/** messageIds compare as UTF-8 bytes (= code point order). */
function compareIds(cols: StepColumns, a: number, b: number): number {
  return cols.buf.compare(cols.buf, cols.idStart[b], cols.idEnd[b], cols.idStart[a], cols.idEnd[a]);
}

export interface Persons {
  /** Events of all persons, grouped by person, each person's in (time, messageId) order. */
  times: Float64Array;
  bits: Int32Array;
  /** Record index (into the columns) of each grouped event. */
  records: Int32Array;
}

export interface Grouping extends Persons {
  /** Person v's events are [starts[v], starts[v + 1]). */
  starts: Int32Array;
  /** Instants where a person's events tie in time but were read without ids: their order is unknown. */
  ties: Ties;
}

/**
 * Groups records by person with a counting sort (persons are dense indexes) and orders each
 * person's events by (time, messageId) with an insertion sort (a person has few step events).
 * No per-row or per-person allocation: this runs over millions of events.
 */
export function groupByPerson(cols: StepColumns): Grouping {
  const n = cols.count;
  let max = -1;
  for (let i = 0; i < n; i++) if (cols.visitor[i]! > max) max = cols.visitor[i]!;
  // Counting sort: count, prefix sums to each person's end, then place records from the back
  // so that starts[v] ends as person v's first position (one array, fewer cache misses).
  const starts = new Int32Array(max + 2);
  for (let i = 0; i < n; i++) starts[cols.visitor[i]!]!++;
  for (let v = 1; v <= max; v++) starts[v]! += starts[v - 1]!;
  starts[max + 1] = n;
  // Each placed record is one (time, record · 2^20 + bits) pair: one cache line per random
  // write instead of three (a million persons do not fit in cache). Bits < 2^20 (≤ 20 steps).
  const { time, bits } = cols;
  const packed = new Float64Array(2 * n);
  for (let i = n - 1; i >= 0; i--) {
    const p = --starts[cols.visitor[i]!]!;
    packed[2 * p] = time[i]!;
    packed[2 * p + 1] = i * BITS_SPAN + bits[i]!;
  }
  const ties: Ties = new Map();
  for (let v = 0; v <= max; v++) sortPerson(cols, packed, starts[v]!, starts[v + 1]!, v, ties);
  const order = new Int32Array(n);
  const times = new Float64Array(n);
  const sortedBits = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    times[p] = packed[2 * p]!;
    const x = packed[2 * p + 1]!;
    const rec = Math.floor(x / BITS_SPAN);
    order[p] = rec;
    sortedBits[p] = x - rec * BITS_SPAN;
  }
  const g: Grouping = { times, bits: sortedBits, records: order, starts, ties };
  return g;
}

const BITS_SPAN = 1 << 20;

/** Insertion sort of one person's (time, record) pairs by (time, messageId); notes ties without ids. */
function sortPerson(cols: StepColumns, packed: Float64Array, lo: number, hi: number, v: number, ties: Ties): void {
  for (let i = lo + 1; i < hi; i++) {
    const t = packed[2 * i]!;
    const x = packed[2 * i + 1]!;
    let j = i - 1;
    while (j >= lo) {
      const dt = packed[2 * j]! - t;
      if (dt < 0) break;
      if (dt === 0) {
        const rec = Math.floor(x / BITS_SPAN);
        const other = Math.floor(packed[2 * j + 1]! / BITS_SPAN);
        if (cols.idStart[rec]! >= 0 && cols.idStart[other]! >= 0) {
          if (compareIds(cols, other, rec) <= 0) break;
        } else {
          if (!ties.has(v)) ties.set(v, new Set());
          ties.get(v)!.add(t);
          break;
        }
      }
      packed[2 * j + 2] = packed[2 * j]!;
      packed[2 * j + 3] = packed[2 * j + 1]!;
      j--;
    }
    packed[2 * j + 2] = t;
    packed[2 * j + 3] = x;
  }
}

/** Calls `each(person, start, end)` with each person's range in the grouped arrays. */
export function eachPerson(g: Grouping, each: (visitor: number, start: number, end: number, persons: Persons) => void): void {
  for (let v = 0; v < g.starts.length - 1; v++) if (g.starts[v + 1]! > g.starts[v]!) each(v, g.starts[v]!, g.starts[v + 1]!, g);
}

/** Groups and visits each person; the records must carry ids where times tie. */
export function forEachPerson(cols: StepColumns, each: (visitor: number, start: number, end: number, persons: Persons) => void): void {
  const g = groupByPerson(cols);
  if (g.ties.size) throw new Error('step events tie in time without their messageIds');
  eachPerson(g, each);
}
