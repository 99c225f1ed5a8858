/**
 * The funnel's wire format. Streaming millions of rows through the pg row protocol costs about
 * a microsecond per row in the client; instead each shard query returns ONE text value:
 * records separated by RS (\x1e), fields by US (\x1f): person, epoch microseconds, step bits, messageId,
 * and optionally `=value` (absent value: empty). The parser below turns it into typed columns
 * grouped by person and ordered by (time, messageId) without allocating per row.
 */
export const RS = '\x1e';
export const US = '\x1f';
const RS_CODE = 0x1e;
const US_CODE = 0x1f;

export interface StepColumns {
  count: number;
  visitor: Int32Array;
  time: Float64Array;
  bits: Int32Array;
  /** Offsets of each record's messageId and value in the blob (value start −1 when absent). */
  idStart: Int32Array;
  idEnd: Int32Array;
  valueStart: Int32Array;
  valueEnd: Int32Array;
  blob: string;
}

function grow<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** Parses the non-negative integer in blob[from, to). */
function intAt(blob: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (blob.charCodeAt(i) - 48);
  return v;
}

/** Parses a float8 as Postgres prints it: digits with an optional fraction (anything else: parseFloat). */
function floatAt(blob: string, from: number, to: number): number {
  let v = 0;
  let i = from;
  const negative = blob.charCodeAt(i) === 45;
  if (negative) i++;
  for (; i < to; i++) {
    const c = blob.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return parseFloat(blob.slice(from, to));
    v = v * 10 + (c - 48);
  }
  if (i < to) {
    let scale = 1;
    let frac = 0;
    for (i++; i < to; i++) {
      const c = blob.charCodeAt(i);
      if (c < 48 || c > 57) return parseFloat(blob.slice(from, to));
      frac = frac * 10 + (c - 48);
      scale *= 10;
    }
    v += frac / scale;
  }
  return negative ? -v : v;
}

export function parseStepBlob(blob: string): StepColumns {
  let cap = Math.max(16, Math.ceil(blob.length / 24));
  let visitor = new Int32Array(cap), time = new Float64Array(cap), bits = new Int32Array(cap);
  let idStart = new Int32Array(cap), idEnd = new Int32Array(cap), valueStart = new Int32Array(cap), valueEnd = new Int32Array(cap);
  let n = 0;
  let pos = 0;
  const len = blob.length;
  while (pos < len) {
    if (n === cap) {
      cap *= 2;
      [visitor, bits, idStart, idEnd, valueStart, valueEnd] = [visitor, bits, idStart, idEnd, valueStart, valueEnd].map((a) => grow(a, cap));
      time = grow(time, cap);
    }
    let end = blob.indexOf(US, pos);
    visitor[n] = intAt(blob, pos, end);
    pos = end + 1;
    end = blob.indexOf(US, pos);
    time[n] = floatAt(blob, pos, end) / 1000; // µs on the wire, ms in the columns
    pos = end + 1;
    end = blob.indexOf(US, pos);
    bits[n] = intAt(blob, pos, end);
    pos = end + 1;
    // The messageId runs to the next US (value follows) or RS (record ends).
    let stop = pos;
    while (stop < len) {
      const c = blob.charCodeAt(stop);
      if (c === US_CODE || c === RS_CODE) break;
      stop++;
    }
    idStart[n] = pos;
    idEnd[n] = stop;
    valueStart[n] = -1;
    valueEnd[n] = -1;
    pos = stop;
    if (pos < len && blob.charCodeAt(pos) === US_CODE) {
      let vEnd = blob.indexOf(RS, pos + 1);
      if (vEnd < 0) vEnd = len;
      if (vEnd > pos + 1) {
        valueStart[n] = pos + 2; // skip the '=' marker
        valueEnd[n] = vEnd;
      }
      pos = vEnd;
    }
    pos++; // RS
    n++;
  }
  return { count: n, visitor, time, bits, idStart, idEnd, valueStart, valueEnd, blob };
}

export function valueAt(cols: StepColumns, i: number): string | null {
  return cols.valueStart[i]! < 0 ? null : cols.blob.slice(cols.valueStart[i], cols.valueEnd[i]);
}

function compareIds(cols: StepColumns, a: number, b: number): number {
  const sa = cols.blob.slice(cols.idStart[a], cols.idEnd[a]);
  const sb = cols.blob.slice(cols.idStart[b], cols.idEnd[b]);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
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
