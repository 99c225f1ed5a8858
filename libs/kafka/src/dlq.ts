import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { OutgoingMessage } from './producer';
import type { DlqError } from './results';
import { scrubDlqKey, scrubDlqPayload } from './dlq-scrub';

/**
 * The DLQ record of a poison message, and what the `sightline dlq` commands read back from it.
 * Pure: the consumer produces what `dlqRecord` returns, the CLI parses with `parseDlqRecord`.
 *
 * Value: a JSON envelope (source topic/partition/offset, reason, error name and code, group,
 * time, the original bytes as base64, request facts scrubbed). Headers: the original record's
 * headers as they were, plus the `x-dlq-*` ones below, so a redrive can choose by error and put
 * back the original headers (every header but the `x-dlq-*` ones).
 */
export const DLQ_HEADER = {
  reason: 'x-dlq-reason',
  errorName: 'x-dlq-error-name',
  errorCode: 'x-dlq-error-code',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  group: 'x-dlq-consumer-group',
  /** On a marker record: `<partition>:<offset>` of the DLQ record that was sent back. */
  redriven: 'x-dlq-redriven',
} as const;

/**
 * On a redriven record: the consumer group that failed it. Every other group reading the topic
 * skips the record (it handled the original already); only this one handles it again.
 */
export const REDRIVE_GROUP_HEADER = 'x-redrive-group';

/** A record that failed: where it was, why, and its bytes. */
export interface Reject {
  message: KafkaMessage;
  topic: string;
  partition: number;
  reason: string;
  error: DlqError;
}

/** The error of a record that did not decode (invalid JSON, schema). */
export const DECODE_ERROR: DlqError = Object.freeze({ name: 'DecodeError', code: null });
/** A handler's `dlq(reason)` without an error of its own. */
export const REJECTED: DlqError = Object.freeze({ name: 'Rejected', code: null });

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  const one = Array.isArray(value) ? value[value.length - 1] : value;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/** A record's headers as text, without the DLQ's own (and without a previous redrive's group). */
export function originalHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.startsWith('x-dlq-') || name === REDRIVE_GROUP_HEADER) continue;
    const text = headerText(value);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/** What the consumer produces to the DLQ for one reject. */
export function dlqRecord(reject: Reject, consumerGroup: string, failedAt: Date): OutgoingMessage {
  const payload = scrubDlqPayload(reject.message.value);
  return {
    key: scrubDlqKey(reject.message.key?.toString('utf8') ?? null),
    value: {
      topic: reject.topic,
      partition: reject.partition,
      offset: reject.message.offset,
      error: reject.reason,
      errorName: reject.error.name,
      errorCode: reject.error.code,
      consumerGroup,
      failedAt: failedAt.toISOString(),
      payloadBase64: payload.value ? payload.value.toString('base64') : null,
      ...(payload.scrubbed.length ? { scrubbed: payload.scrubbed } : {}),
    },
    headers: {
      ...originalHeaders(reject.message.headers),
      [DLQ_HEADER.reason]: reject.reason.slice(0, 500),
      [DLQ_HEADER.errorName]: reject.error.name,
      ...(reject.error.code ? { [DLQ_HEADER.errorCode]: reject.error.code } : {}),
      [DLQ_HEADER.sourceTopic]: reject.topic,
      [DLQ_HEADER.sourcePartition]: String(reject.partition),
      [DLQ_HEADER.sourceOffset]: reject.message.offset,
      [DLQ_HEADER.group]: consumerGroup,
    },
  };
}

/** One DLQ record as the CLI shows it. */
export interface DlqEntry {
  kind: 'entry';
  /** Where the DLQ record is: `<partition>:<offset>` of the DLQ topic. */
  id: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  reason: string;
  errorName: string;
  errorCode: string | null;
  consumerGroup: string;
  failedAt: string;
  key: string | null;
  value: Buffer | null;
  /** The original record's headers (the DLQ's own removed). */
  headers: Record<string, string>;
  scrubbed: string[];
}

/** A note that the DLQ record `of` was sent back to its topic (written by `dlq redrive`). */
export interface DlqMarker {
  kind: 'marker';
  id: string;
  of: string;
}

type Envelope = { topic?: unknown; partition?: unknown; offset?: unknown; error?: unknown; errorName?: unknown; errorCode?: unknown; consumerGroup?: unknown; failedAt?: unknown; payloadBase64?: unknown; scrubbed?: unknown };

/**
 * Reads a DLQ record (or a redrive marker). Records written before the error headers existed
 * have name `Unknown`. Returns null for a record that is neither (not written by Sightline).
 */
export function parseDlqRecord(partition: number, message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>): DlqEntry | DlqMarker | null {
  const id = `${partition}:${message.offset}`;
  const redriven = headerText(message.headers?.[DLQ_HEADER.redriven]);
  if (redriven) return { kind: 'marker', id, of: redriven };
  if (!message.value) return null;
  let envelope: Envelope;
  try {
    envelope = JSON.parse(message.value.toString('utf8')) as Envelope;
  } catch {
    return null;
  }
  if (typeof envelope?.topic !== 'string') return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    kind: 'entry',
    id,
    sourceTopic: envelope.topic,
    sourcePartition: Number(envelope.partition),
    sourceOffset: String(envelope.offset),
    reason: text(envelope.error) ?? '',
    errorName: text(envelope.errorName) ?? headerText(message.headers?.[DLQ_HEADER.errorName]) ?? 'Unknown',
    errorCode: text(envelope.errorCode) ?? headerText(message.headers?.[DLQ_HEADER.errorCode]) ?? null,
    consumerGroup: text(envelope.consumerGroup) ?? '',
    failedAt: text(envelope.failedAt) ?? '',
    key: message.key?.toString('utf8') ?? null,
    value: typeof envelope.payloadBase64 === 'string' ? Buffer.from(envelope.payloadBase64, 'base64') : null,
    headers: originalHeaders(message.headers),
    scrubbed: Array.isArray(envelope.scrubbed) ? envelope.scrubbed.map(String) : [],
  };
}

/** Whether `--reason <name>` chooses an entry: its error name or its code. */
export function matchesReason(entry: DlqEntry, reason: string | undefined): boolean {
  return reason === undefined || entry.errorName === reason || entry.errorCode === reason;
}

/** The record a redrive sends back to the entry's topic: original key, bytes and headers, for its group only. */
export function redriveRecord(entry: DlqEntry): { topic: string; key: string | null; value: Buffer | null; headers: Record<string, string> } {
  return { topic: entry.sourceTopic, key: entry.key, value: entry.value, headers: { ...entry.headers, ...(entry.consumerGroup ? { [REDRIVE_GROUP_HEADER]: entry.consumerGroup } : {}) } };
}

/** The marker that makes a second redrive of the same entry a no-op. */
export function redriveMarker(entry: DlqEntry, at: Date): { key: string; value: string; headers: Record<string, string> } {
  return { key: `redriven:${entry.id}`, value: JSON.stringify({ redriven: entry.id, toTopic: entry.sourceTopic, at: at.toISOString() }), headers: { [DLQ_HEADER.redriven]: entry.id } };
}

/** Whether a consumer of `groupId` skips a record: a redrive meant for another group. */
export function isRedriveForOtherGroup(headers: IHeaders | undefined, groupId: string): boolean {
  const target = headers?.[REDRIVE_GROUP_HEADER];
  return target !== undefined && headerText(target) !== groupId;
}
