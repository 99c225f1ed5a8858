import fc from 'fast-check';
import type { z } from 'zod';

// Arbitraries and properties shared by the tests of the hand-written contract checks (src/plain.ts).
export const str = (max: number, min = 0) => fc.string({ minLength: min, maxLength: max });
export const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
export const timestamp = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-11-29T12:00:00+01:00', '2026-02-29T00:00:00Z', '2026-11-29T12:00:00.123456Z', '2026-11-29 12:00:00Z', '2026-11-29T24:00:00Z'),
);
const looseExtras = fc.dictionary(fc.constantFrom('extra', 'x-y', 'campaignId', '0'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });

/** Segment contexts as browsers and SDKs send them, with extra keys that `.loose()` keeps. */
export const context = fc.record(
  {
    userAgent: str(1024),
    locale: str(64),
    timezone: str(64),
    page: fc
      .tuple(fc.record({ url: str(60), path: str(20), referrer: str(60), title: str(30), search: str(20) }, { requiredKeys: [] }), looseExtras)
      .map(([known, extra]) => ({ ...extra, ...known })),
    campaign: fc.record({ source: str(20), medium: str(20), name: str(20), term: str(20), content: str(20) }, { requiredKeys: [] }),
    library: fc.record({ name: str(20), version: str(10) }, { requiredKeys: [] }),
    screen: fc.record({ width: fc.integer(), height: fc.double({ noNaN: true, noDefaultInfinity: true }) }, { requiredKeys: [] }),
    ip: fc.constant('kept by loose()'),
  },
  { requiredKeys: [] },
);
/** The fields raw and enriched events share, valid; `fc.record({ ...eventBasics, ... })`. */
export const eventBasics = {
  messageId: str(256, 1),
  projectId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  type: fc.constantFrom('track', 'page', 'screen', 'identify', 'alias', 'group'),
  category: nullable(str(256)),
  properties: fc.dictionary(str(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  traits: fc.dictionary(str(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  context,
};
export const BASIC_PATHS = ['messageId', 'projectId', 'type', 'category', 'properties', 'traits'];
export const CONTEXT_PATHS = ['context', 'context.userAgent', 'context.locale', 'context.page', 'context.page.path', 'context.screen', 'context.screen.width', 'context.library.version', 'context.campaign.source'];

function mutate(event: Record<string, unknown>, m: { path: string; value: unknown; remove: boolean }): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const parts = m.path.split('.');
  let at: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    if (typeof at[part] !== 'object' || at[part] === null) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  if (m.remove) delete at[last];
  else at[last] = m.value;
  return copy;
}

/**
 * The two properties of a hand-written check against its zod schema: on valid values it agrees
 * with zod and zod returns the value unchanged; after up to three changes at `paths` (any JSON
 * value, or the key removed) it never accepts what zod rejects or would change.
 */
export function expectSameAsZod(valid: fc.Arbitrary<object>, schema: z.ZodType, isPlain: (value: unknown) => boolean, paths: string[]): void {
  fc.assert(
    fc.property(valid, (event) => {
      const value = JSON.parse(JSON.stringify(event)) as unknown;
      const parsed = schema.safeParse(value);
      expect(isPlain(value)).toBe(parsed.success);
      if (parsed.success) expect(parsed.data).toEqual(value);
    }),
    { numRuns: 2000 },
  );
  const change = fc.record({
    path: fc.constantFrom(...paths, 'unknownKey'),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 1.5, 2 ** 53, '', 'x'.repeat(300), 'x'.repeat(5000), [], {}, null, 'bad id!')),
    remove: fc.boolean(),
  });
  let plain = 0;
  fc.assert(
    fc.property(valid, fc.array(change, { minLength: 1, maxLength: 3 }), (event, changes) => {
      const value = changes.reduce(mutate, event as Record<string, unknown>);
      if (!isPlain(value)) return;
      plain++;
      const parsed = schema.safeParse(value);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(value);
    }),
    { numRuns: 5000 },
  );
  // Harmless changes (a valid new category, a known context key) stay on the fast path.
  expect(plain).toBeGreaterThan(100);
}
