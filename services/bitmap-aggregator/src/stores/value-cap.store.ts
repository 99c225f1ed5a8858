import type { ProjectKeys } from '../domain/keys.handler';
import type { ProjectSettings } from '../domain/range.handler';
import { AdmissionCache, admittedExpiry, capKindOf, dayLabeler, DEFAULT_VALUE_CAP, otherOf } from '../domain/value-cap.handler';
import type { BitmapScripts } from './redis-client.store';

export interface ValueCap {
  /**
   * Replaces in place each dimension of `dimsOf[i]` that is past its kind's cap on the local day
   * of `times[i]` by the kind's `(other)` (docs/bitmaps.md, "Value cap"). Resolves to the set of
   * every dimension of the batch after folding (the writer registers them).
   */
  fold(keys: ProjectKeys, settings: ProjectSettings, times: number[], dimsOf: string[][]): Promise<Set<string>>;
}

export function createValueCap(scripts: BitmapScripts, now: () => number, cache = new AdmissionCache()): ValueCap {
  return {
    async fold(keys, settings, times, dimsOf) {
      const dayOf = dayLabeler(settings.timeZone);
      const days = times.map(dayOf);
      // One pass per batch over its (day, dimension) pairs; a batch covers a day or two.
      const perDay = new Map<string, Set<string>>();
      for (let i = 0; i < days.length; i++) {
        let set = perDay.get(days[i]!);
        if (!set) perDay.set(days[i]!, (set = new Set()));
        for (const dim of dimsOf[i]!) set.add(dim);
      }
      const groups = new Map<string, { day: string; kind: string; dims: string[] }>();
      for (const [day, dims] of perDay) {
        for (const dim of dims) {
          if (cache.get(keys.capped, day, dim) !== undefined) continue;
          const kind = capKindOf(dim);
          // `(other)` itself is always kept: it is where the refused values go.
          if (kind === null || dim === otherOf(kind)) continue;
          const id = `${day}\t${kind}`;
          let group = groups.get(id);
          if (!group) groups.set(id, (group = { day, kind, dims: [] }));
          group.dims.push(dim);
        }
      }
      if (groups.size > 0) await admit(keys, settings, [...groups.values()]);
      const refused = new Map<string, Set<string>>();
      for (const [day, dims] of perDay) {
        for (const dim of dims) if (cache.get(keys.capped, day, dim) === false) getOr(refused, day).add(dim);
      }
      if (refused.size === 0) return unionOf(perDay.values());
      for (let i = 0; i < days.length; i++) {
        const out = refused.get(days[i]!);
        if (!out) continue;
        dimsOf[i] = [...new Set(dimsOf[i]!.map((dim) => (out.has(dim) ? otherOf(capKindOf(dim)!) : dim)))];
      }
      return unionOf(dimsOf);
    },
  };

  async function admit(keys: ProjectKeys, settings: ProjectSettings, groups: Array<{ day: string; kind: string; dims: string[] }>): Promise<void> {
    const args: Array<string | number> = [settings.valueCap ?? DEFAULT_VALUE_CAP, groups.length];
    for (const g of groups) args.push(admittedExpiry(g.day, settings.timeZone, now()), g.kind, g.day, g.dims.length, ...g.dims);
    const admitted = await scripts.admit([keys.capped, ...groups.map((g) => keys.admitted(g.day, g.kind))], args);
    let n = 0;
    for (const g of groups) for (const dim of g.dims) cache.set(keys.capped, g.day, dim, admitted[n++] === 1);
  }
}

/** One set of the values of several collections; a batch of one day is its own set already. */
function unionOf(parts: Iterable<Iterable<string>>): Set<string> {
  const list = [...parts];
  if (list.length === 1 && list[0] instanceof Set) return list[0];
  const out = new Set<string>();
  for (const part of list) for (const dim of part) out.add(dim);
  return out;
}

function getOr(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
