/**
 * A deliberately plain funnel reference for the property tests: it enumerates every
 * combination of events instead of scanning greedily, and shares no code with the service.
 */
export interface RefEvent {
  visitor: number;
  id: string;
  t: number;
  name: string;
  props: Record<string, string | number | boolean | null>;
}
export interface RefStep {
  event: string;
  where?: Record<string, string | number | boolean | null>;
}
export interface RefFunnel {
  steps: RefStep[];
  windowSeconds: number;
  order: 'strict' | 'sequential' | 'any';
  from: number;
  to: number;
}
export interface RefStepResult {
  count: number;
  median: number | null;
  p90: number | null;
}
export interface RefResult {
  steps: RefStepResult[];
  depthByVisitor: Map<number, number>;
  entryEventByVisitor: Map<number, RefEvent>;
}

function matches(e: RefEvent, s: RefStep): boolean {
  if (e.name !== s.event) return false;
  for (const [k, v] of Object.entries(s.where ?? {})) if (e.props[k] !== v) return false;
  return true;
}

function isAnyStep(e: RefEvent, f: RefFunnel): boolean {
  return f.steps.some((s) => matches(e, s));
}

/** All position tuples starting at `entry`, in lexicographic order, for ordered modes. */
function tuples(events: RefEvent[], f: RefFunnel, entry: number): number[][] {
  const out: number[][] = [[entry]];
  const extend = (prefix: number[]) => {
    const k = prefix.length;
    if (k === f.steps.length) return;
    for (let j = prefix[k - 1]! + 1; j < events.length; j++) {
      if (!matches(events[j]!, f.steps[k]!)) continue;
      if (events[j]!.t - events[entry]!.t > f.windowSeconds * 1000) continue;
      if (f.order === 'strict') {
        let clean = true;
        for (let b = prefix[k - 1]! + 1; b < j; b++) if (isAnyStep(events[b]!, f)) clean = false;
        if (!clean) continue;
      }
      const next = [...prefix, j];
      out.push(next);
      extend(next);
    }
  };
  extend([entry]);
  return out;
}

function attemptReach(events: RefEvent[], f: RefFunnel, entry: number): number[] {
  const t0 = events[entry]!.t;
  if (f.order === 'any') {
    const reach = [t0];
    for (let k = 1; k < f.steps.length; k++) {
      const times = events.filter((e, j) => j > entry && e.t - t0 <= f.windowSeconds * 1000 && matches(e, f.steps[k]!)).map((e) => e.t);
      if (times.length === 0) break;
      reach.push(Math.max(reach[k - 1]!, Math.min(...times)));
    }
    return reach;
  }
  const all = tuples(events, f, entry);
  const deepest = Math.max(...all.map((t) => t.length));
  // tuples() yields lexicographic order, so the first deepest is the earliest attempt.
  const chosen = all.find((t) => t.length === deepest)!;
  return chosen.map((j) => events[j]!.t);
}

function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1] ?? sorted[0]!;
}

export function referenceFunnel(input: RefEvent[], f: RefFunnel, allowed?: Set<number>): RefResult {
  const unique = new Map<string, RefEvent>();
  for (const e of input) unique.set(`${e.visitor}|${e.id}|${e.t}`, e);
  const byVisitor = new Map<number, RefEvent[]>();
  for (const e of unique.values()) {
    if (allowed && !allowed.has(e.visitor)) continue;
    if (!byVisitor.has(e.visitor)) byVisitor.set(e.visitor, []);
    byVisitor.get(e.visitor)!.push(e);
  }
  const steps: number[][] = f.steps.map(() => []);
  const counts = f.steps.map(() => 0);
  const depthByVisitor = new Map<number, number>();
  const entryEventByVisitor = new Map<number, RefEvent>();
  for (const [visitor, list] of byVisitor) {
    const events = list.filter((e) => e.t >= f.from).sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let best: number[] = [];
    let bestEntry = -1;
    events.forEach((e, i) => {
      if (!matches(e, f.steps[0]!) || e.t < f.from || e.t >= f.to) return;
      const reach = attemptReach(events, f, i);
      const better =
        reach.length > best.length ||
        (reach.length === best.length && reach[reach.length - 1]! - reach[0]! < best[best.length - 1]! - best[0]!);
      if (better) {
        best = reach;
        bestEntry = i;
      }
    });
    if (best.length === 0) continue;
    depthByVisitor.set(visitor, best.length);
    entryEventByVisitor.set(visitor, events[bestEntry]!);
    best.forEach((t, k) => {
      counts[k]!++;
      if (k > 0) steps[k]!.push((t - best[k - 1]!) / 1000);
    });
  }
  return {
    steps: counts.map((count, k) => ({ count, median: k === 0 ? null : nearestRank(steps[k]!, 0.5), p90: k === 0 ? null : nearestRank(steps[k]!, 0.9) })),
    depthByVisitor,
    entryEventByVisitor,
  };
}
