// Global filters as a person builds them ("page is /pricing or /docs", "country is not FR",
// "page contains /blog"), kept in the URL, AND-ed, and turned into the API's filter expression.
// Pure, so the unit tests check the JSON the API receives.

export type FilterOp = 'is' | 'isNot' | 'contains';
export interface Filter {
  /** A breakdown kind (`page`, `country` …) or `trait:<key>`. */
  dim: string;
  op: FilterOp;
  values: string[];
}

/** The dimensions a filter or a breakdown panel can name, with the words a person reads. */
export const DIMENSIONS: { id: string; label: string }[] = [
  { id: 'page', label: 'Page' },
  { id: 'entryPage', label: 'Entry page' },
  { id: 'exitPage', label: 'Exit page' },
  { id: 'referrer', label: 'Referrer' },
  { id: 'source', label: 'Source' },
  { id: 'medium', label: 'UTM medium' },
  { id: 'campaign', label: 'UTM campaign' },
  { id: 'utmContent', label: 'UTM content' },
  { id: 'utmTerm', label: 'UTM term' },
  { id: 'browser', label: 'Browser' },
  { id: 'os', label: 'Operating system' },
  { id: 'device', label: 'Device' },
  { id: 'country', label: 'Country' },
  { id: 'event', label: 'Event' },
];

export const OP_LABELS: Record<FilterOp, string> = { is: 'is', isNot: 'is not', contains: 'contains' };

export function dimensionLabel(dim: string): string {
  if (dim.startsWith('trait:')) return `Trait ${dim.slice(6)}`;
  return DIMENSIONS.find((d) => d.id === dim)?.label ?? dim;
}

const KNOWN = new Set(DIMENSIONS.map((d) => d.id));
const validDim = (dim: unknown): dim is string => typeof dim === 'string' && (KNOWN.has(dim) || /^trait:[^=]{1,200}$/.test(dim));
const validValue = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Most values the "contains" of one filter expands to (the API caps an expression at 32 leaves). */
export const MAX_CONTAINS_VALUES = 20;
export const MAX_FILTERS = 8;

/** The URL form: `[["page","is","/a","/b"],…]`; anything malformed is dropped, not thrown. */
export function parseFilters(text: string | null | undefined): Filter[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: Filter[] = [];
  for (const item of raw) {
    if (!Array.isArray(item)) continue;
    const [dim, op, ...values] = item as unknown[];
    if (!validDim(dim) || (op !== 'is' && op !== 'isNot' && op !== 'contains')) continue;
    const kept = [...new Set(values.filter(validValue))];
    if (kept.length) out.push({ dim, op, values: kept });
  }
  return out.slice(0, MAX_FILTERS);
}

export function serializeFilters(filters: Filter[]): string | null {
  return filters.length ? JSON.stringify(filters.map((f) => [f.dim, f.op, ...f.values])) : null;
}

/** Adds a value to the filter on `dim` with `op` (a click on a row), or a new filter. */
export function addFilterValue(filters: Filter[], dim: string, value: string, op: FilterOp = 'is'): Filter[] {
  const i = filters.findIndex((f) => f.dim === dim && f.op === op);
  if (i < 0) return [...filters, { dim, op, values: [value] }];
  if (filters[i].values.includes(value)) return filters;
  return filters.map((f, j) => (j === i ? { ...f, values: [...f.values, value] } : f));
}

export type FilterExpression = Record<string, unknown>;

function leaf(dim: string, value: string): FilterExpression {
  if (dim.startsWith('trait:')) return { trait: { key: dim.slice(6), value } };
  return { [dim]: value };
}

const anyOf = (parts: FilterExpression[]): FilterExpression => (parts.length === 1 ? parts[0] : { or: parts });

/** Why a filter matches nothing: a "contains" with no matching value. */
export const MATCHES_NOTHING: FilterExpression = { not: { or: [{ event: '$pageview' }, { not: { event: '$pageview' } }] } };

/**
 * The API's filter expression, or undefined for no filter. A "contains" is expanded to the values
 * of its dimension that contain the text (`matches[i]` for filter i: the caller lists them with
 * one breakdown request), since the API filters by exact values only.
 */
export function toFilterExpression(filters: Filter[], matches: Record<number, string[]> = {}): FilterExpression | undefined {
  const parts = filters.map((f, i) => {
    if (f.op === 'contains') {
      const values = (matches[i] ?? []).slice(0, MAX_CONTAINS_VALUES);
      return values.length ? anyOf(values.map((v) => leaf(f.dim, v))) : MATCHES_NOTHING;
    }
    const any = anyOf(f.values.map((v) => leaf(f.dim, v)));
    return f.op === 'isNot' ? { not: any } : any;
  });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

/** The values of a breakdown that a "contains" filter selects (case-insensitive). */
export function containsMatches(values: string[], needles: string[]): string[] {
  const lower = needles.map((n) => n.toLowerCase());
  return values.filter((v) => v !== '(other)' && lower.some((n) => v.toLowerCase().includes(n)));
}
