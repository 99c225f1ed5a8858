import Redis from 'ioredis';
import { testInfra } from './env';

export function testRedis(): Redis {
  return new Redis(testInfra.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** Deletes every key under a test's prefix (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
