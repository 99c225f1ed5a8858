/**
 * A small time-bounded memo for hot lookups (read keys, projects, roles). Entries live at most
 * `ttlMs`, so a revoked key or a changed role takes effect within that time; the oldest entry
 * goes first when full.
 */
export function createTtlCache<V>(ttlMs: number, maxEntries = 10_000) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    async get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now) return hit.value;
      const value = await load();
      if (ttlMs > 0 && value !== null && value !== undefined) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, { value, expiresAt: now + ttlMs });
      }
      return value;
    },
    delete(key: string): void {
      entries.delete(key);
    },
    clear(): void {
      entries.clear();
    },
  };
}
