import { allowOnly, integer, text, time, UsageError, type ParsedArgs } from './args';
import { serviceGroups, type Context } from './context';
import { readLag, waitCaughtUp } from './lag.command';

const PROJECTIONS: Record<string, string> = { aggregator: 'bitmap-aggregator', 'bitmap-aggregator': 'bitmap-aggregator', query: 'query' };

/** Where each partition starts again (pure): N clamped to what the partition keeps, or the offset a time resolves to. */
export function startOffsets(offsets: Array<{ partition: number; low: string; high: string }>, from: { offset?: number; byTime?: Map<number, string> }): Array<{ partition: number; offset: string }> {
  return offsets.map((o) => {
    if (from.byTime) {
      const at = from.byTime.get(o.partition);
      return { partition: o.partition, offset: at === undefined || BigInt(at) < 0n ? o.high : at };
    }
    const n = BigInt(from.offset ?? 0);
    const clamped = n < BigInt(o.low) ? BigInt(o.low) : n > BigInt(o.high) ? BigInt(o.high) : n;
    return { partition: o.partition, offset: clamped.toString() };
  });
}

/**
 * `sightline replay <aggregator|query> [--from-offset N | --from-time ISO] [--wait]`: rewinds the
 * projection's consumer group on events.enriched (to N on every partition, to the first record
 * at or after the time, or to the oldest kept) and on erasures (always the oldest kept: an
 * erasure older than the replayed events must still apply). The group must have no live member:
 * stop the service first. The projection is idempotent (docs/bitmaps.md, the watermark; the
 * event store's unique key), so a replay over a store that has the events changes nothing, and
 * a lost store comes back. With --wait, a progress bar until the restarted service caught up.
 */
export async function replayCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, ['from-offset', 'from-time', 'group', 'wait', 'interval-ms']);
  const service = PROJECTIONS[args.positionals[1] ?? ''];
  if (!service) throw new UsageError('usage: sightline replay <aggregator|query> [--from-offset N | --from-time ISO-8601] [--wait]');
  const fromOffset = integer(args, 'from-offset');
  const fromTime = time(args, 'from-time');
  if (fromOffset !== undefined && fromTime !== undefined) throw new UsageError('--from-offset and --from-time exclude each other');
  const base = serviceGroups(ctx.namespace, ctx.topics).find((g) => g.service === service)!;
  const groupId = text(args, 'group') ?? base.groupId;
  const group = { groupId, topics: base.topics };

  const [described] = (await ctx.admin.describeGroups([groupId])).groups;
  if (described && described.members.length > 0) throw new UsageError(`${groupId} has ${described.members.length} live member(s): stop ${service} first (scripts/services.sh stop ${service}), then replay`);

  const existing = new Set(await ctx.admin.listTopics());
  let records = 0;
  for (const topic of group.topics.filter((t) => existing.has(t))) {
    const offsets = await ctx.admin.fetchTopicOffsets(topic);
    const events = topic === ctx.topics.eventsEnriched;
    const byTime = events && fromTime !== undefined ? new Map((await ctx.admin.fetchTopicOffsetsByTimestamp(topic, fromTime)).map((o) => [o.partition, o.offset])) : undefined;
    const partitions = startOffsets(offsets, events ? { offset: fromOffset, byTime } : {});
    await ctx.admin.setOffsets({ groupId, topic, partitions });
    const highs = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    records += partitions.reduce((sum, p) => sum + Number(highs.get(p.partition)! - BigInt(p.offset)), 0);
  }
  if (ctx.json) ctx.out(JSON.stringify({ groupId, records }));
  else ctx.out(`${groupId}: rewound; ${records.toLocaleString('en')} record(s) to replay once ${service} runs`);
  if (args.options.wait === true) await waitCaughtUp(ctx, [group], await readLag(ctx, [group]), integer(args, 'interval-ms') ?? 1000);
  return 0;
}
