/**
 * The funnel's wire format. Streaming millions of rows through the pg row protocol costs about
 * a microsecond per row in the client; instead each shard query returns ONE bytea (binary
 * result format), a run of records:
 *   int32 person | int64 epoch microseconds | int32 step bits | int32 n + n bytes messageId (UTF-8)
 *   [ | int32 n (−1 = null) + n bytes value ]   (only when breaking down by property)
 * all big-endian, as Postgres' int4send/int8send write them. The parser turns it into typed
 * columns grouped by person and ordered by (time, messageId) without allocating per row.
 */
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

const MIN_RECORD = 20;

export function parseStepBuffer(buf: Buffer, withValue: boolean): StepColumns {
  const cap = Math.floor(buf.length / (withValue ? MIN_RECORD + 4 : MIN_RECORD));
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
  let pos = 0;
  let n = 0;
  while (pos < buf.length) {
    cols.visitor[n] = buf.readInt32BE(pos);
    cols.time[n] = (buf.readInt32BE(pos + 4) * 4294967296 + buf.readUInt32BE(pos + 8)) / 1000;
    cols.bits[n] = buf.readInt32BE(pos + 12);
    const idLength = buf.readInt32BE(pos + 16);
    cols.idStart[n] = pos + 20;
    pos += 20 + idLength;
    cols.idEnd[n] = pos;
    if (withValue) {
      const valueLength = buf.readInt32BE(pos);
      pos += 4;
      cols.valueStart[n] = valueLength < 0 ? -1 : pos;
      cols.valueEnd[n] = valueLength < 0 ? -1 : pos + valueLength;
      if (valueLength > 0) pos += valueLength;
    }
    n++;
  }
  cols.count = n;
  return cols;
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
