import { randomUUID } from 'node:crypto';
import { CompressionTypes } from 'kafkajs';
import { matchesReason, parseDlqRecord, readToEnd, redriveMarker, redriveRecord, type DlqEntry } from '@sightline/kafka';
import { allowOnly, integer, text, UsageError, type ParsedArgs } from './args';
import type { Context } from './context';
import { createProgress } from './progress';
import { formatTable } from './table';

export interface DlqState {
  entries: DlqEntry[];
  /** Ids of entries already sent back (a marker names them). */
  redriven: Set<string>;
}

/** The DLQ topic up to its end at call time (read-committed: records of an aborted consumer transaction are not there). */
export async function readDlq(ctx: Context, topic: string): Promise<DlqState> {
  const state: DlqState = { entries: [], redriven: new Set() };
  const existing = await ctx.admin.listTopics();
  if (!existing.includes(topic)) return state;
  for (const { partition, message } of await readToEnd(ctx.kafka, topic, { timeoutMs: 60_000, groupId: `sightline-cli-dlq-${randomUUID()}` })) {
    const parsed = parseDlqRecord(partition, message);
    if (parsed?.kind === 'entry') state.entries.push(parsed);
    else if (parsed?.kind === 'marker') state.redriven.add(parsed.of);
  }
  const order = (id: string) => id.split(':').map(Number) as [number, number];
  state.entries.sort((a, b) => order(a.id)[0] - order(b.id)[0] || order(a.id)[1] - order(b.id)[1]);
  return state;
}

function chosen(state: DlqState, args: ParsedArgs): DlqEntry[] {
  const reason = text(args, 'reason');
  const topic = text(args, 'topic');
  const group = text(args, 'group');
  return state.entries.filter((e) => matchesReason(e, reason) && (!topic || e.sourceTopic === topic) && (!group || e.consumerGroup === group));
}

function valueText(value: Buffer | null): unknown {
  if (!value) return null;
  const s = value.toString('utf8');
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

async function list(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, ['reason', 'topic', 'group', 'limit']);
  const state = await readDlq(ctx, ctx.topics.eventsDlq);
  const entries = chosen(state, args);
  const limit = integer(args, 'limit') ?? 50;
  if (ctx.json) {
    ctx.out(JSON.stringify(entries.map(({ value, ...e }) => ({ ...e, redriven: state.redriven.has(e.id), valueBytes: value?.length ?? 0 }))));
    return 0;
  }
  const shown = entries.slice(-limit);
  ctx.out(formatTable(['id', 'failed at', 'group', 'source', 'error', 'code', 'redriven', 'reason'], shown.map((e) => [e.id, e.failedAt, e.consumerGroup, `${e.sourceTopic}[${e.sourcePartition}]@${e.sourceOffset}`, e.errorName, e.errorCode ?? '-', state.redriven.has(e.id) ? 'yes' : 'no', e.reason.length > 60 ? `${e.reason.slice(0, 57)}...` : e.reason])));
  const byError = new Map<string, { all: number; open: number }>();
  for (const e of entries) {
    const c = byError.get(e.errorName) ?? { all: 0, open: 0 };
    c.all++;
    if (!state.redriven.has(e.id)) c.open++;
    byError.set(e.errorName, c);
  }
  ctx.out('');
  ctx.out(`${entries.length} record(s)${entries.length > shown.length ? `, the last ${shown.length} shown (--limit)` : ''}; by error: ${[...byError].map(([name, c]) => `${name} ${c.all} (${c.open} not redriven)`).join(', ') || 'none'}`);
  return 0;
}

async function show(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, []);
  const id = args.positionals[2];
  if (!id || !/^\d+:\d+$/.test(id)) throw new UsageError('usage: sightline dlq show <partition:offset> (the id column of dlq list)');
  const state = await readDlq(ctx, ctx.topics.eventsDlq);
  const entry = state.entries.find((e) => e.id === id);
  if (!entry) throw new UsageError(`no DLQ record ${id} in ${ctx.topics.eventsDlq}`);
  ctx.out(JSON.stringify({ ...entry, redriven: state.redriven.has(id), value: valueText(entry.value) }, null, 2));
  return 0;
}

/**
 * Sends the chosen entries back to their topics, each with a marker in the DLQ, in one Kafka
 * transaction per chunk: an entry is sent back once, however often redrive runs (a second run
 * sees the markers), and a crashed run leaves neither. The transactional id is fixed per
 * namespace, so two runs at once fence each other instead of both sending.
 */
async function redrive(ctx: Context, args: ParsedArgs): Promise<number> {
  allowOnly(args, ['reason', 'topic', 'group', 'dry-run']);
  const state = await readDlq(ctx, ctx.topics.eventsDlq);
  const matching = chosen(state, args);
  const todo = matching.filter((e) => !state.redriven.has(e.id));
  const summary = { matching: matching.length, alreadyRedriven: matching.length - todo.length, redriven: 0, dryRun: args.options['dry-run'] === true };
  if (todo.length && !summary.dryRun) {
    const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `sightline-cli-redrive-${ctx.namespace}`, allowAutoTopicCreation: false });
    await producer.connect();
    const progress = createProgress('redrive', todo.length);
    try {
      for (let i = 0; i < todo.length; i += 100) {
        const chunk = todo.slice(i, i + 100);
        const tx = await producer.transaction();
        try {
          const byTopic = new Map<string, Array<{ key: string | null; value: Buffer | null; headers: Record<string, string> }>>();
          for (const entry of chunk) {
            const record = redriveRecord(entry);
            byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), { key: record.key, value: record.value, headers: record.headers }]);
          }
          for (const [topic, messages] of byTopic) await tx.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
          const at = new Date();
          await tx.send({ topic: ctx.topics.eventsDlq, acks: -1, messages: chunk.map((e) => redriveMarker(e, at)) });
          await tx.commit();
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        summary.redriven += chunk.length;
        progress.update(summary.redriven);
      }
      progress.finish();
    } finally {
      await producer.disconnect();
    }
  }
  if (ctx.json) ctx.out(JSON.stringify(summary));
  else ctx.out(`${summary.dryRun ? 'would send' : 'sent'} ${summary.dryRun ? todo.length : summary.redriven} record(s) back to their topics; ${summary.alreadyRedriven} of the ${summary.matching} matching were sent back before`);
  return 0;
}

/** `sightline dlq list|show|redrive`. */
export async function dlqCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  switch (args.positionals[1]) {
    case 'list':
      return list(ctx, args);
    case 'show':
      return show(ctx, args);
    case 'redrive':
      return redrive(ctx, args);
    default:
      throw new UsageError('usage: sightline dlq list|show <id>|redrive [--reason <error name or code>] [--topic <source topic>] [--group <consumer group>] [--dry-run]');
  }
}
