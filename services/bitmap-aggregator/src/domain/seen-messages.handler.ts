import { hash } from 'node:crypto';

/**
 * Exact totals per messageId (issue #17): the same event can reach `events.enriched.v1` at two
 * offsets (the fingerprint re-producing a batch after a failed transactional send, ingest's
 * retried batch making a messageId twice in `events.raw`, a client retrying). The watermark skips
 * a redelivered offset, not a second offset of the same message, so the writer also keeps the
 * messageIds it projected, per project and UTC day of the event, in a `seen:<day>` hash checked
 * and written by the same `APPLY` script as the totals (docs/bitmaps.md, "Exact per messageId").
 *
 * An id is kept as 8 bytes of its SHA-256 (the project is in the key): the first 2 name the hash
 * field, the other 6 are appended to the field's value, so a day of a large project is 65,536
 * fields of packed 6-byte records instead of one Redis entry per event.
 */
export const SEEN_ID_BYTES = 8;
/** Bytes of an id that name its field of the day's hash (65,536 fields at most). */
export const SEEN_FIELD_BYTES = 2;

export function seenId(messageId: string): Buffer {
  return hash('sha256', messageId, 'buffer').subarray(0, SEEN_ID_BYTES);
}

/** The UTC day (`2026-12-03`) whose `seen:` hash holds an event's id: both copies of a message carry the same time. */
export function seenDay(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/**
 * Epoch seconds at which a day's `seen:` hash expires: `windowDays` after the later of the day's
 * end and now, pushed on by every write. A copy that arrives within the window of the day's last
 * event is caught; a late event of an old day brings the day's hash back for the window.
 */
export function seenExpiry(day: string, nowMs: number, windowDays: number): number {
  const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  return Math.ceil((Math.max(dayEnd, nowMs) + windowDays * DAY_MS) / 1000);
}

/**
 * One day's share of a batch as APPLY takes it: the fields the ids name and, per field, how many
 * ids and their 6-byte remainders, grouped by field, so the script handles a field at a time
 * (one HMGET value, one appended string) rather than an id at a time.
 */
export interface SeenDay {
  day: string;
  /** The fields, 2 bytes each, in first-seen order. */
  fields: Buffer;
  /** Ids per field, in the order of `fields`. */
  counts: number[];
  /** The ids' last 6 bytes, grouped by field in the order of `fields`. */
  rests: Buffer;
  /** Per id of `rests`, in order: its index in the list given to `seenDays`. */
  events: number[];
}

/** The indexes of ids listed earlier in the batch (the same message twice in one batch: the first is projected). */
export function batchCopies(ids: readonly Buffer[]): number[] {
  const first = new Set<string>();
  const copies: number[] = [];
  ids.forEach((id, i) => {
    const key = id.toString('latin1');
    if (first.has(key)) copies.push(i);
    else first.add(key);
  });
  return copies;
}

/** Groups the ids of a batch's events by the UTC day of each event, then by field (see SeenDay). */
export function seenDays(events: ReadonlyArray<{ id: Buffer; utcMs: number }>): SeenDay[] {
  const byDay = new Map<string, Map<number, number[]>>();
  events.forEach((e, i) => {
    const day = seenDay(e.utcMs);
    let fields = byDay.get(day);
    if (!fields) byDay.set(day, (fields = new Map()));
    const field = e.id.readUInt16BE(0);
    const list = fields.get(field);
    if (list) list.push(i);
    else fields.set(field, [i]);
  });
  return [...byDay].map(([day, fields]) => {
    const names = Buffer.alloc(fields.size * SEEN_FIELD_BYTES);
    const counts: number[] = [];
    const order: number[] = [];
    let k = 0;
    for (const [field, list] of fields) {
      names.writeUInt16BE(field, k);
      k += SEEN_FIELD_BYTES;
      counts.push(list.length);
      for (const i of list) order.push(i);
    }
    const rest = SEEN_ID_BYTES - SEEN_FIELD_BYTES;
    const rests = Buffer.alloc(order.length * rest);
    order.forEach((i, n) => events[i]!.id.copy(rests, n * rest, SEEN_FIELD_BYTES));
    return { day, fields: names, counts, rests, events: order };
  });
}
