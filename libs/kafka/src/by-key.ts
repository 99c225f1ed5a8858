/**
 * Groups items by key, keeping arrival order inside each group, and runs the groups with at
 * most `concurrency` in flight. `between` runs after each group (a heartbeat).
 */
export async function runByKey<T>(
  items: T[],
  keyOf: (item: T) => string,
  concurrency: number,
  fn: (key: string, group: T[]) => Promise<void>,
  between?: () => Promise<void>,
): Promise<void> {
  const groups = groupByKey(items, keyOf);
  const queue = [...groups.entries()];
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await fn(next[0], next[1]);
      if (between) await between();
    }
  });
  await Promise.all(workers);
}

export function groupByKey<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
