import { ConfigResourceTypes } from 'kafkajs';
import { allowOnly, text, UsageError, type ParsedArgs } from './args';
import type { Context } from './context';
import { formatDuration } from './progress';
import { formatTable } from './table';

const CONFIGS = ['cleanup.policy', 'retention.ms', 'segment.ms', 'min.insync.replicas'];

export interface TopicDescription {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; low: string; high: string }>;
  replication: number;
  /** high − low over the partitions: the records kept, plus the markers of transactions among them. */
  records: number;
  configs: Record<string, string>;
}

export async function describeTopics(ctx: Context, names: string[]): Promise<TopicDescription[]> {
  if (names.length === 0) return [];
  const metadata = await ctx.admin.fetchTopicMetadata({ topics: names });
  const configs = await ctx.admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: CONFIGS })) });
  const out: TopicDescription[] = [];
  for (const t of metadata.topics) {
    const offsets = new Map((await ctx.admin.fetchTopicOffsets(t.name)).map((o) => [o.partition, o]));
    const partitions = t.partitions
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, low: offsets.get(p.partitionId)?.low ?? '0', high: offsets.get(p.partitionId)?.high ?? '0' }))
      .sort((a, b) => a.partition - b.partition);
    const config = configs.resources.find((r) => r.resourceName === t.name);
    out.push({
      topic: t.name,
      partitions,
      replication: Math.max(0, ...partitions.map((p) => p.replicas.length)),
      records: partitions.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0),
      configs: Object.fromEntries((config?.configEntries ?? []).map((e) => [e.configName, e.configValue])),
    });
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic));
}

/** `sightline topics describe [--topic T]`: the namespace's topics (or one) with partitions, replicas, records kept and retention. */
export async function topicsCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, ['topic']);
  if (args.positionals[1] !== 'describe') throw new UsageError('usage: sightline topics describe [--topic <name>]');
  const one = text(args, 'topic');
  const all = await ctx.admin.listTopics();
  const names = one ? [one] : all.filter((t) => t.startsWith(ctx.namespace) && !t.startsWith('__')).sort();
  if (one && !all.includes(one)) throw new UsageError(`no topic ${one}`);
  const topics = await describeTopics(ctx, names);
  if (ctx.json) {
    ctx.out(JSON.stringify(topics));
    return 0;
  }
  const retention = (ms: string | undefined) => (ms === undefined ? '-' : ms === '-1' ? 'forever' : formatDuration(Number(ms)));
  ctx.out(formatTable(['topic', 'partitions', 'replication', 'min.insync', 'offsets kept', 'cleanup', 'retention'], topics.map((t) => [t.topic, t.partitions.length, t.replication, t.configs['min.insync.replicas'] ?? '-', t.records, t.configs['cleanup.policy'] ?? '-', retention(t.configs['retention.ms'])])));
  if (one) {
    ctx.out('');
    ctx.out(formatTable(['partition', 'leader', 'replicas', 'isr', 'low', 'high'], topics[0]!.partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.low, p.high])));
  }
  return 0;
}
