// The two populations of the compare view, from the URL: two segments (`a`, `b` in the global
// filters' URL form), two values of one dimension (`dim`, `va`, `vb`), or two periods (the range
// and the comparison range). Each becomes a range and a filter expression; the global filters are
// AND-ed into both. Pure, for the unit tests.
import { parseFilters, toFilterExpression, type Filter, type FilterExpression } from '../../state/filter-expr';

export type CompareKind = 'segments' | 'values' | 'periods';
export const KINDS: { id: CompareKind; label: string }[] = [
  { id: 'segments', label: 'Two segments' },
  { id: 'values', label: 'Two values' },
  { id: 'periods', label: 'Two periods' },
];

export interface Period {
  from: string;
  to: string;
  label: string;
}
export interface Population {
  from: string;
  to: string;
  filter: FilterExpression | undefined;
  label: string;
}

/** Segment filters as the compare view builds them: "is" / "is not" only (a "contains" needs a lookup first). */
export function segmentFilters(text: string | null): Filter[] {
  return parseFilters(text).filter((f) => f.op !== 'contains');
}

const and = (parts: (FilterExpression | undefined)[]): FilterExpression | undefined => {
  const kept = parts.filter((p): p is FilterExpression => p !== undefined);
  return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : { and: kept };
};

export function leafOf(dim: string, value: string): FilterExpression {
  return dim.startsWith('trait:') ? { trait: { key: dim.slice(6), value } } : { [dim]: value };
}

export function describeFilters(list: Filter[]): string {
  if (!list.length) return 'every visitor';
  return list.map((f) => `${f.dim.startsWith('trait:') ? `trait ${f.dim.slice(6)}` : f.dim} ${f.op === 'isNot' ? 'is not' : 'is'} ${f.values.join(' or ')}`).join(' and ');
}

/**
 * Populations A and B, or a sentence saying what is missing. `base` is the global filter
 * expression (undefined for none), `current` the range, `other` the comparison period.
 */
export function populations(kind: CompareKind, params: URLSearchParams, base: FilterExpression | undefined, current: Period, other: Period): { a: Population; b: Population } | string {
  if (kind === 'periods') {
    return { a: { ...current, filter: base, label: current.label }, b: { ...other, filter: base, label: other.label } };
  }
  if (kind === 'values') {
    const dim = params.get('dim') ?? '';
    const va = params.get('va') ?? '';
    const vb = params.get('vb') ?? '';
    if (!dim) return 'Pick a dimension.';
    if (!va || !vb) return 'Pick two values to compare.';
    return {
      a: { from: current.from, to: current.to, filter: and([base, leafOf(dim, va)]), label: va },
      b: { from: current.from, to: current.to, filter: and([base, leafOf(dim, vb)]), label: vb },
    };
  }
  const fa = segmentFilters(params.get('a'));
  const fb = segmentFilters(params.get('b'));
  if (!fa.length && !fb.length) return 'Give segment A or B at least one condition.';
  return {
    a: { from: current.from, to: current.to, filter: and([base, toFilterExpression(fa)]), label: describeFilters(fa) },
    b: { from: current.from, to: current.to, filter: and([base, toFilterExpression(fb)]), label: describeFilters(fb) },
  };
}

/** The API's query for two populations. */
export function compareQuery(a: Population, b: Population): Record<string, string> {
  return {
    aFrom: a.from,
    aTo: a.to,
    bFrom: b.from,
    bTo: b.to,
    ...(a.filter ? { aFilter: JSON.stringify(a.filter) } : {}),
    ...(b.filter ? { bFilter: JSON.stringify(b.filter) } : {}),
  };
}
