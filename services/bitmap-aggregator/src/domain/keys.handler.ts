/**
 * Redis key names of one project. Every key carries the hash tag `{p:<projectId>}` so a Redis
 * Cluster keeps the whole project on one slot (BITOP and Lua across its keys stay legal).
 */
export interface ProjectKeys {
  /** Bitmap of one dimension in one bucket (the label encodes the granularity). */
  bitmap(dim: string, label: string): string;
  /** Hash of exact event totals of one bucket: field = dimension. */
  totals(label: string): string;
  /** Hash `<topic>:<partition>` → last applied offset: the idempotency watermark of the totals. */
  offsets: string;
  /**
   * Local ms (as a decimal string) of the first Monday from which the week buckets of day-only
   * dimensions hold every event ('0': all of them); set once by the first writer that writes
   * them. Earlier weeks are read as days (docs/bitmaps.md, "Week buckets").
   */
  weeksFrom: string;
  /** Bitmap of visitor indexes merged into another visitor: excluded from every count. */
  merged: string;
  /** Hash merged index → the index it was merged into. */
  canon: string;
  /** Bitmap of erased visitor indexes: later (or replayed) events of them are ignored. */
  erased: string;
  /** Hash dimension → small id, and id → dimension (the project's dimension registry). */
  dimIds: string;
  dimNames: string;
  /** Hash visitorId / userId → visitor index, to find a visitor named by an erasure. */
  ids: string;
  /**
   * Per visitor: the integer set of what it touched — dimension ids stored as -(id + 1) and
   * local hour numbers (hours since 1970 in wall time) as they are. One small intset per visitor.
   */
  touched(visitor: number): string;
  /** Per visitor: the indexes merged into it. */
  members(visitor: number): string;
  /** Hash visitor index → its open session (exit pages, see `OpenSession`). */
  open: string;
  /** Set of the values of a dimension kind admitted on a local day (the value cap); expires. */
  admitted(day: string, kind: string): string;
  /** Hash of the messageIds projected on a UTC day (see `domain/seen-messages.handler.ts`); expires. */
  seen(day: string): string;
  /** Set of `<kind>\t<day>` for which values folded into `(other)`. */
  capped: string;
  temp(id: string): string;
  /** Written and deleted within one APPLY script (a patch to OR into a bitmap). */
  scratch: string;
  /** Pattern matching every key of the project (SCAN MATCH). */
  pattern: string;
}

export function projectKeys(prefix: string, projectId: string): ProjectKeys {
  const base = `${prefix}{p:${projectId}}:`;
  return {
    bitmap: (dim, label) => `${base}b:${label}:${dim}`,
    totals: (label) => `${base}t:${label}`,
    offsets: `${base}offsets`,
    weeksFrom: `${base}weeks`,
    merged: `${base}merged`,
    canon: `${base}canon`,
    erased: `${base}erased`,
    dimIds: `${base}dim:ids`,
    dimNames: `${base}dim:names`,
    ids: `${base}ids`,
    touched: (v) => `${base}v:${v}`,
    members: (v) => `${base}v:${v}:m`,
    open: `${base}open`,
    admitted: (day, kind) => `${base}cap:${day}:${kind}`,
    seen: (day) => `${base}seen:${day}`,
    capped: `${base}capped`,
    temp: (id) => `${base}tmp:${id}`,
    scratch: `${base}scratch`,
    pattern: `${escapeGlob(base)}*`,
  };
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}
