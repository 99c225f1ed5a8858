/**
 * localStorage that never throws: it is missing or refuses writes in sandboxed frames, some
 * private modes and when full, and the tracker must keep working in memory then.
 */
export function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function write(key: string, value: string | null | undefined): void {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Memory only from here on; nothing else to do.
  }
}

/** Removes and returns every stored value whose key starts with `prefix` (queues of closed tabs). */
export function takeAll(prefix: string): string[] {
  const values: string[] = [];
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.indexOf(prefix) === 0) {
        values.push(localStorage.getItem(key) || '');
        localStorage.removeItem(key);
      }
    }
  } catch {
    // No storage: nothing was saved either.
  }
  return values;
}
