/**
 * The funnel's wire format. Streaming millions of rows through the pg row protocol costs about
 * a microsecond per row in the client; instead each shard query returns a few rows (one per step
 * name, or one when steps filter properties), each holding whole columns as `bytea`s:
 *   records: int32 person | int64 µs since 2000-01-01 (timestamptz_send) [| int32 step bits]
 *   ids:     the messageIds (UTF-8), separated by a 0 byte (text never contains one)
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
  ids: Buffer;
  values: Buffer | null;
}

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

export function parseStepParts(parts: StepPart[], withValue: boolean): StepColumns {
  let cap = 0;
  for (const p of parts) cap += p.records.length / (p.bits === null ? 16 : 12);
  // One buffer for every id and value so that records address them by offset.
  const buf = Buffer.concat(parts.flatMap((p) => (withValue ? [p.ids, ZERO, p.values ?? EMPTY] : [p.ids, ZERO])));
  const cols: StepColumns = {
    count: cap,
    visitor: new Int32Array(cap),
    time: new Float64Array(cap),
    bits: new Int32Array(cap),
    idStart: new Int32Array(cap),
    idEnd: new Int32Array(cap),
    valueStart: new Int32Array(withValue ? cap : 0),
    valueEnd: new Int32Array(withValue ? cap : 0),
    buf,
  };
  let n = 0;
  let base = 0;
  for (const p of parts) {
    const size = p.bits === null ? 16 : 12;
    const count = p.records.length / size;
    readRecords(cols, p, n, count);
    let pos = base;
    const idsEnd = base + p.ids.length;
    for (let i = n; i < n + count; i++) {
      let end = pos;
      while (end < idsEnd && buf[end] !== 0) end++;
      cols.idStart[i] = pos;
      cols.idEnd[i] = end;
      pos = end + 1;
    }
    if (count > 0 && pos !== idsEnd + 1) throw new Error('step part: ids do not match records');
    base = idsEnd + 1;
    if (withValue) {
      const values = p.values ?? EMPTY;
      pos = base;
      for (let i = n; i < n + count; i++) {
        const length = buf.readInt32BE(pos);
        pos += 4;
        cols.valueStart[i] = length < 0 ? -1 : pos;
        cols.valueEnd[i] = length < 0 ? -1 : pos + length;
        if (length > 0) pos += length;
      }
      base += values.length;
    }
    n += count;
  }
  return cols;
}

const ZERO = Buffer.alloc(1);
const EMPTY = Buffer.alloc(0);

function readRecords(cols: StepColumns, p: StepPart, first: number, count: number): void {
  const r = p.records;
  const size = p.bits === null ? 16 : 12;
  for (let i = 0, pos = 0; i < count; i++, pos += size) {
    cols.visitor[first + i] = r.readInt32BE(pos);
    cols.time[first + i] = (r.readInt32BE(pos + 4) * 4294967296 + r.readUInt32BE(pos + 8) + PG_EPOCH_US) / 1000;
    cols.bits[first + i] = p.bits === null ? r.readInt32BE(pos + 12) : p.bits;
  }
}

export function valueAt(cols: StepColumns, i: number): string | null {
  return cols.valueStart[i]! < 0 ? null : cols.buf.toString('utf8', cols.valueStart[i], cols.valueEnd[i]);
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

/**
 * Groups records by person with a counting sort (persons are dense indexes), orders each
 * person's events by (time, messageId) with an insertion sort (a person has few step events),
 * and calls `each(person, start, end)` with the person's range in the returned arrays. No
 * per-row or per-person allocation: this runs over millions of events.
 */
export function forEachPerson(cols: StepColumns, each: (visitor: number, start: number, end: number, persons: Persons) => void): void {
  const n = cols.count;
  if (n === 0) return;
  let max = 0;
  for (let i = 0; i < n; i++) if (cols.visitor[i]! > max) max = cols.visitor[i]!;
  const starts = new Int32Array(max + 2);
  for (let i = 0; i < n; i++) starts[cols.visitor[i]! + 1]!++;
  for (let v = 0; v <= max; v++) starts[v + 1]! += starts[v]!;
  const fill = starts.slice(0, max + 1);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[cols.visitor[i]!]!++] = i;
  const persons: Persons = { times: new Float64Array(n), bits: new Int32Array(n), records: order };
  for (let v = 0; v <= max; v++) {
    const lo = starts[v]!;
    const hi = starts[v + 1]!;
    if (lo === hi) continue;
    for (let i = lo + 1; i < hi; i++) {
      const rec = order[i]!;
      let j = i - 1;
      while (j >= lo) {
        const other = order[j]!;
        const dt = cols.time[other]! - cols.time[rec]!;
        if (dt < 0 || (dt === 0 && compareIds(cols, other, rec) <= 0)) break;
        order[j + 1] = other;
        j--;
      }
      order[j + 1] = rec;
    }
    for (let i = lo; i < hi; i++) {
      persons.times[i] = cols.time[order[i]!]!;
      persons.bits[i] = cols.bits[order[i]!]!;
    }
    each(v, lo, hi, persons);
  }
}
