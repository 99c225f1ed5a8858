import { readGroupLag, type PartitionLag } from '@sightline/kafka';
import { allowOnly, integer, text, type ParsedArgs } from './args';
import { serviceGroups, type Context } from './context';
import { createProgress } from './progress';
import { formatTable } from './table';

export interface GroupLag {
  groupId: string;
  partitions: PartitionLag[];
  total: number;
}

/** The groups to show: `--group` (with `--topic`, or the topics it has committed), else the services'. */
async function groupsOf(ctx: Context, args: ParsedArgs): Promise<Array<{ groupId: string; topics: string[] }>> {
  const group = text(args, 'group');
  if (!group) return serviceGroups(ctx.namespace, ctx.topics);
  const topic = text(args, 'topic');
  if (topic) return [{ groupId: group, topics: [topic] }];
  const committed = await ctx.admin.fetchOffsets({ groupId: group });
  return [{ groupId: group, topics: committed.map((c) => c.topic).sort() }];
}

export async function readLag(ctx: Context, groups: Array<{ groupId: string; topics: string[] }>): Promise<GroupLag[]> {
  const existing = new Set(await ctx.admin.listTopics());
  const out: GroupLag[] = [];
  for (const g of groups) {
    const partitions = await readGroupLag(ctx.admin, g.groupId, g.topics.filter((t) => existing.has(t)));
    out.push({ groupId: g.groupId, partitions, total: partitions.reduce((sum, p) => sum + p.lag, 0) });
  }
  return out;
}

export function lagTable(lags: GroupLag[]): string {
  const rows = lags.flatMap((g) => g.partitions.map((p) => [g.groupId, p.topic, p.partition, p.committed ?? '-', p.high, p.lag] as Array<string | number>));
  const totals = lags.map((g) => `${g.groupId}: ${g.total.toLocaleString('en')} records behind`);
  return `${formatTable(['group', 'topic', 'partition', 'committed', 'end', 'lag'], rows)}\n\n${totals.join('\n')}`;
}

/**
 * `sightline lag [--group G [--topic T]] [--wait [--interval-ms N]]`: lag per group and
 * partition; with --wait, a progress bar until the groups have caught up with the end the
 * topics had when it started.
 */
export async function lagCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, ['group', 'topic', 'wait', 'interval-ms']);
  const groups = await groupsOf(ctx, args);
  const first = await readLag(ctx, groups);
  if (args.options.wait !== true) {
    ctx.out(ctx.json ? JSON.stringify(first) : lagTable(first));
    return 0;
  }
  await waitCaughtUp(ctx, groups, first, integer(args, 'interval-ms') ?? 1000);
  return 0;
}

/** Waits with a progress bar until every partition's committed offset reaches the end it had at the start. */
export async function waitCaughtUp(ctx: Context, groups: Array<{ groupId: string; topics: string[] }>, first: GroupLag[], intervalMs: number): Promise<void> {
  const target = new Map(first.flatMap((g) => g.partitions.map((p) => [`${g.groupId}/${p.topic}/${p.partition}`, BigInt(p.high)])));
  // Where each partition's consumer is (its committed offset, or the oldest record kept), against the start's end.
  const behind = (lags: GroupLag[]) =>
    lags.reduce(
      (sum, g) =>
        sum +
        g.partitions.reduce((s, p) => {
          const end = target.get(`${g.groupId}/${p.topic}/${p.partition}`) ?? BigInt(p.high);
          const position = BigInt(p.high) - BigInt(p.lag);
          return s + Number(end > position ? end - position : 0n);
        }, 0),
      0,
    );
  const total = behind(first);
  const progress = createProgress('catching up', total);
  for (let lags = first; ; ) {
    const left = behind(lags);
    progress.update(total - left);
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, intervalMs));
    lags = await readLag(ctx, groups);
  }
  progress.finish();
}
