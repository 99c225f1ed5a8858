import { createTtlCache } from './ttl-cache';

describe('ttl cache', () => {
  it('remembers a value for ttl and reloads after; null is never remembered', async () => {
    const cache = createTtlCache<string | null>(1000);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('k', load, 0)).toBe('v1');
    expect(await cache.get('k', load, 999)).toBe('v1');
    expect(await cache.get('k', load, 1000)).toBe('v2');
    let misses = 0;
    await cache.get('gone', async () => (misses++, null), 0);
    await cache.get('gone', async () => (misses++, null), 1);
    expect(misses).toBe(2);
    cache.delete('k');
    expect(await cache.get('k', load, 1001)).toBe('v3');
  });
});
