import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import { defaultSettings } from '../handlers/range.handler';
import { createBitmapReader } from './bitmap-reader.store';
import { createBitmapWriter } from './bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './redis-client.store';

const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('agg')}:`;
const writer = createBitmapWriter(redis, scripts, prefix);
const reader = createBitmapReader(redis, scripts, prefix);
const day = (d: number, h = 12) => new Date(Date.UTC(2026, 10, d, h)).toISOString();

afterAll(async () => {
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

describe('bitmap store', () => {
  it('counts uniques and totals, idempotent on replay', async () => {
    const p = 'p1';
    const events = [
      enrichedEvent({ projectId: p, visitorIndex: 1, timestamp: day(1), isNewVisitor: true }),
      enrichedEvent({ projectId: p, visitorIndex: 1, timestamp: day(2) }),
      enrichedEvent({ projectId: p, visitorIndex: 2, timestamp: day(2), name: 'signup', traits: { plan: 'pro' } }),
    ].map((event, i) => ({ offset: BigInt(i), event }));
    await writer.applyEvents(p, defaultSettings, 't:0', events);
    await writer.applyEvents(p, defaultSettings, 't:0', events);
    const q = { from: new Date(day(1, 0)), to: new Date(day(3, 0)), interval: 'day' as const };
    expect(await reader.uniques(p, defaultSettings, q, { dim: '$active' })).toEqual({
      total: 2,
      series: [
        { start: day(1, 0), count: 1 },
        { start: day(2, 0), count: 2 },
      ],
    });
    expect((await reader.totals(p, defaultSettings, q)).total).toBe(3);
    expect((await reader.uniques(p, defaultSettings, q, { and: [{ dim: 'event:signup' }, { dim: 'trait:plan=pro' }] })).total).toBe(1);
    expect((await reader.uniques(p, defaultSettings, q, { not: { dim: 'event:signup' } })).total).toBe(1);
  });
});
