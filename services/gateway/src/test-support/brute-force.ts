/** Answers computed directly from the events a test sent, to compare the system's answers with. */
export interface SentEvent {
  messageId: string;
  visitor: string;
  name: string;
  at: number;
  plan: string;
}

export function uniqueVisitors(events: SentEvent[], from: number, to: number, name?: string): number {
  return new Set(events.filter((e) => e.at >= from && e.at < to && (!name || e.name === name)).map((e) => e.visitor)).size;
}

/**
 * A sequential funnel: each visitor's best attempt, entry (step 1) in [from, to), each later
 * step after the previous one and within the window from the entry.
 */
export function funnelDepths(events: SentEvent[], steps: string[], from: number, to: number, windowMs: number): Map<string, number> {
  const byVisitor = new Map<string, SentEvent[]>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (!byVisitor.has(e.visitor)) byVisitor.set(e.visitor, []);
    byVisitor.get(e.visitor)!.push(e);
  }
  const depths = new Map<string, number>();
  for (const [visitor, own] of byVisitor) {
    let best = 0;
    for (const entry of own.filter((e) => e.name === steps[0] && e.at >= from && e.at < to)) {
      let depth = 1;
      let last = entry.at;
      for (const step of steps.slice(1)) {
        const next = own.find((e) => e.name === step && e.at > last && e.at <= entry.at + windowMs);
        if (!next) break;
        depth++;
        last = next.at;
      }
      best = Math.max(best, depth);
    }
    if (best > 0) depths.set(visitor, best);
  }
  return depths;
}

/** Per-step counts, overall and per plan. */
export function funnelCounts(events: SentEvent[], steps: string[], from: number, to: number, windowMs: number) {
  const depths = funnelDepths(events, steps, from, to, windowMs);
  const planOf = new Map(events.map((e) => [e.visitor, e.plan]));
  const count = (filter: (visitor: string) => boolean) => steps.map((_, k) => [...depths].filter(([v, d]) => filter(v) && d >= k + 1).length);
  const plans = [...new Set([...depths.keys()].map((v) => planOf.get(v)!))];
  return { overall: count(() => true), byPlan: Object.fromEntries(plans.map((p) => [p, count((v) => planOf.get(v) === p)])) };
}
