// The funnel builder's state as it lives in the URL (`steps`, `order`, `window`, `by`), and the
// API body it becomes. Pure, so unit tests check that a URL round-trips and that hostile or
// malformed URLs give a usable builder instead of an exception.

export type Order = 'strict' | 'sequential' | 'any';
export type Scalar = string | number | boolean | null;
export interface Step {
  event: string;
  /** property → value equality on the step's event. */
  where: [string, string][];
}
export interface Breakdown {
  type: 'trait' | 'property';
  key: string;
}
export interface FunnelState {
  steps: Step[];
  order: Order;
  windowSeconds: number;
  breakdown: Breakdown | null;
}

export const MAX_STEPS = 10;
export const MAX_CONDITIONS = 5;
export const MAX_WINDOW_SECONDS = 90 * 86_400;
export const DEFAULT_WINDOW_SECONDS = 7 * 86_400;
export const ORDERS: { id: Order; label: string; help: string }[] = [
  { id: 'sequential', label: 'In order', help: 'each step after the one before; other events may come between' },
  { id: 'strict', label: 'Strict order', help: 'each step right after the one before, nothing between' },
  { id: 'any', label: 'Any order', help: 'every step within the window, in any order' },
];

export function emptyState(): FunnelState {
  return { steps: [{ event: '$pageview', where: [] }, { event: '', where: [] }], order: 'sequential', windowSeconds: DEFAULT_WINDOW_SECONDS, breakdown: null };
}

/** `steps` param: `[["signup",[["plan","pro"]]],["purchase"]]`; anything malformed is dropped. */
export function parseSteps(raw: string | null): Step[] {
  if (!raw) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: Step[] = [];
  for (const item of list.slice(0, MAX_STEPS)) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || item[0].length > 200) continue;
    const where = Array.isArray(item[1]) ? (item[1] as unknown[]).filter((c): c is [string, string] => Array.isArray(c) && typeof c[0] === 'string' && c[0].length <= 200 && typeof c[1] === 'string' && c[1].length <= 500).slice(0, MAX_CONDITIONS) : [];
    out.push({ event: item[0], where: where.map(([k, v]) => [k, v]) });
  }
  return out;
}

export function serializeSteps(steps: Step[]): string {
  return JSON.stringify(steps.map((s) => (s.where.length ? [s.event, s.where] : [s.event])));
}

export function parseState(params: URLSearchParams): FunnelState {
  const base = emptyState();
  const steps = parseSteps(params.get('steps'));
  const order = ORDERS.some((o) => o.id === params.get('order')) ? (params.get('order') as Order) : base.order;
  const w = Number(params.get('window'));
  const windowSeconds = Number.isInteger(w) && w >= 1 && w <= MAX_WINDOW_SECONDS ? w : base.windowSeconds;
  const by = params.get('by');
  const m = by ? /^(trait|property):(.{1,200})$/.exec(by) : null;
  return { steps: steps.length ? steps : base.steps, order, windowSeconds, breakdown: m ? { type: m[1] as Breakdown['type'], key: m[2] } : null };
}

/** The URL parameters of a state (removed when they are the default). */
export function stateParams(state: FunnelState): Record<string, string | null> {
  return {
    steps: serializeSteps(state.steps),
    order: state.order === 'sequential' ? null : state.order,
    window: state.windowSeconds === DEFAULT_WINDOW_SECONDS ? null : String(state.windowSeconds),
    by: state.breakdown ? `${state.breakdown.type}:${state.breakdown.key}` : null,
  };
}

/** A property value as typed: numbers and true/false/null as such, so `{"amount": 10}` matches a number. */
export function typedValue(v: string): Scalar {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(v) && v.length < 16) return Number(v);
  return v;
}

/** Why the state cannot run yet (null when it can). */
export function problem(state: FunnelState): string | null {
  if (state.steps.length < 2) return 'A funnel needs at least two steps.';
  const i = state.steps.findIndex((s) => !s.event.trim());
  if (i >= 0) return `Step ${i + 1} needs an event name.`;
  const c = state.steps.findIndex((s) => s.where.some(([k]) => !k.trim()));
  if (c >= 0) return `A condition of step ${c + 1} needs a property name.`;
  return null;
}

/** The saved-funnel definition (the query body without the range). */
export function definition(state: FunnelState) {
  return {
    steps: state.steps.map((s) => ({ event: s.event.trim(), ...(s.where.length ? { where: Object.fromEntries(s.where.map(([k, v]) => [k.trim(), typedValue(v)])) } : {}) })),
    windowSeconds: state.windowSeconds,
    order: state.order,
    ...(state.breakdown ? { breakdown: { type: state.breakdown.type, key: state.breakdown.key } } : {}),
  };
}

/** A saved definition back to builder state (what "load" puts in the URL). */
export function fromDefinition(def: { steps: { event: string; where?: Record<string, Scalar> }[]; windowSeconds: number; order?: Order; breakdown?: string | { type?: 'trait' | 'property'; key: string } }): FunnelState {
  const b = def.breakdown;
  return {
    steps: def.steps.map((s) => ({ event: s.event, where: Object.entries(s.where ?? {}).map(([k, v]) => [k, v === null ? 'null' : String(v)] as [string, string]) })),
    order: def.order ?? 'sequential',
    windowSeconds: def.windowSeconds,
    breakdown: b === undefined ? null : typeof b === 'string' ? { type: 'trait', key: b } : { type: b.type ?? 'trait', key: b.key },
  };
}

export const WINDOW_UNITS = [
  { id: 'minute', seconds: 60 },
  { id: 'hour', seconds: 3600 },
  { id: 'day', seconds: 86_400 },
] as const;

/** The largest unit that divides the window, for the builder's "7 days". */
export function windowParts(seconds: number): { amount: number; unit: (typeof WINDOW_UNITS)[number]['id'] } {
  for (const u of [...WINDOW_UNITS].reverse()) if (seconds % u.seconds === 0) return { amount: seconds / u.seconds, unit: u.id };
  return { amount: Math.max(1, Math.round(seconds / 60)), unit: 'minute' };
}
