import { isIP } from 'node:net';
import { z } from 'zod';
import { eventContext, eventType, jsonObject, tooDeep, truncateText, unstorableText, type EventType, type RawEvent, type RequestFacts } from '@sightline/contracts';
import { zodFieldErrors, type FieldError } from '@sightline/http';
import { eventTimes, parseClientTime, timeWindowProblem } from './timestamp.handler';

const id = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().min(1, 'must not be empty').max(256));

const clientTime = z.unknown().transform((value, ctx) => {
  if (value === null || value === undefined) return null;
  const date = parseClientTime(value);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: 'not an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return date;
});

/** What Segment accepts in one message; unknown fields pass (and are ignored) as Segment does. */
const segmentMessage = z
  .object({
    type: eventType,
    messageId: id.optional(),
    userId: id.nullish(),
    anonymousId: id.nullish(),
    event: z.string().min(1, 'must not be empty').max(256).nullish(),
    name: z.string().max(256).nullish(),
    category: z.string().max(256).nullish(),
    properties: jsonObject.nullish(),
    traits: jsonObject.nullish(),
    groupId: id.nullish(),
    previousId: id.nullish(),
    timestamp: clientTime.optional(),
    originalTimestamp: clientTime.optional(),
    sentAt: clientTime.optional(),
    context: eventContext.nullish(),
  })
  .loose();
type SegmentMessage = z.infer<typeof segmentMessage>;

export interface ConvertOptions {
  projectId: string;
  receivedAt: Date;
  request: RequestFacts;
  /** Segment's own endpoints require userId or anonymousId; browser and seed endpoints let the fingerprint identify. */
  requireIdentity: boolean;
  maxEventBytes: number;
  /** An upper bound of any one event's size from the request's size; when under the limit the per-event measure is skipped. */
  sizeBound?: number;
  futureLimitDays: number;
  maxAgeDays: number;
  /** The batch's sentAt, used when a message has none of its own. */
  batchSentAt?: unknown;
  /** The batch's context, under each message's own. */
  batchContext?: unknown;
  newMessageId(): string;
}

export type Converted = { ok: true; event: RawEvent } | { ok: false; reason: string; fields: FieldError[]; tooLarge?: boolean };

function fail(reason: string, fields: FieldError[], tooLarge = false): Converted {
  return { ok: false, reason, fields, tooLarge };
}

function requiredFieldProblems(message: SegmentMessage, requireIdentity: boolean): FieldError[] {
  const problems: FieldError[] = [];
  if (message.type === 'track' && !message.event) problems.push({ path: 'event', reason: 'required for track' });
  if (message.type === 'group' && !message.groupId) problems.push({ path: 'groupId', reason: 'required for group' });
  if (message.type === 'alias') {
    if (!message.previousId) problems.push({ path: 'previousId', reason: 'required for alias' });
    if (!message.userId) problems.push({ path: 'userId', reason: 'required for alias' });
  }
  if (requireIdentity && !message.userId && !message.anonymousId) problems.push({ path: 'userId', reason: 'userId or anonymousId is required' });
  return problems;
}

const pageFields = ['url', 'path', 'referrer', 'title', 'search'] as const;

function contextOf(message: SegmentMessage, batchContext: unknown): { context: Record<string, unknown>; ip: string | null } {
  const base = batchContext && typeof batchContext === 'object' && !Array.isArray(batchContext) ? (batchContext as Record<string, unknown>) : {};
  const context: Record<string, unknown> = { ...base, ...(message.context ?? {}) };
  // Segment's context.ip names the end user when a server sends on their behalf; it feeds the
  // fingerprint through the transient request facts and is removed from the stored context.
  const ip = typeof context.ip === 'string' && isIP(context.ip) ? context.ip : null;
  delete context.ip;
  if (message.type === 'page' && message.properties) {
    const fromProperties = Object.fromEntries(pageFields.filter((f) => typeof message.properties![f] === 'string').map((f) => [f, message.properties![f]]));
    if (Object.keys(fromProperties).length) context.page = { ...fromProperties, ...((context.page as object | undefined) ?? {}) };
  }
  return { context, ip };
}

function eventName(message: SegmentMessage): string | null {
  if (message.type === 'track') return message.event ?? null;
  if (message.type === 'page' || message.type === 'screen') {
    const name = message.name ?? (typeof message.properties?.name === 'string' ? message.properties.name : null);
    return name ? truncateText(name, 256) : null;
  }
  return null;
}

/**
 * One Segment-shaped message into a RawEvent, or the reason it is refused with the fields
 * at fault (paths relative to the message).
 */
export function toRawEvent(input: unknown, defaultType: EventType | null, options: ConvertOptions): Converted {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return fail('event must be a JSON object', [{ path: '(event)', reason: 'must be a JSON object' }]);
  const deep = tooDeep(input);
  if (deep) return fail(`${deep.path}: ${deep.reason}`, [deep]);
  const size = options.sizeBound !== undefined && options.sizeBound <= options.maxEventBytes ? 0 : Buffer.byteLength(JSON.stringify(input));
  if (size > options.maxEventBytes) return fail(`event is ${size} bytes, more than ${options.maxEventBytes}`, [{ path: '(event)', reason: `larger than ${options.maxEventBytes} bytes` }], true);
  const candidate = defaultType && (input as { type?: unknown }).type === undefined ? { ...input, type: defaultType } : input;
  const parsed = segmentMessage.safeParse(candidate);
  if (!parsed.success) {
    const fields = zodFieldErrors(parsed.error);
    return fail(fields.map((f) => `${f.path}: ${f.reason}`).join('; '), fields);
  }
  const message = parsed.data;
  const missing = requiredFieldProblems(message, options.requireIdentity);
  if (missing.length) return fail(missing.map((f) => `${f.path}: ${f.reason}`).join('; '), missing);
  const batchSentAt = options.batchSentAt === undefined ? null : parseClientTime(options.batchSentAt);
  const times = eventTimes(options.receivedAt, message.timestamp ?? message.originalTimestamp ?? null, message.sentAt ?? batchSentAt);
  const windowProblem = timeWindowProblem(times.timestamp, options.receivedAt, options.futureLimitDays, options.maxAgeDays);
  if (windowProblem) return fail(`timestamp ${windowProblem}`, [{ path: 'timestamp', reason: windowProblem }]);
  const { context, ip } = contextOf(message, options.batchContext);
  const category = message.category ?? (typeof message.properties?.category === 'string' ? truncateText(message.properties.category, 256) : null);
  const event: RawEvent = {
    messageId: message.messageId ?? options.newMessageId(),
    projectId: options.projectId,
    type: message.type,
    event: eventName(message),
    category,
    properties: message.properties ?? {},
    traits: message.traits ?? {},
    anonymousId: message.anonymousId ?? null,
    userId: message.userId ?? null,
    previousId: message.previousId ?? null,
    groupId: message.groupId ?? null,
    context,
    originalTimestamp: times.originalTimestamp?.toISOString() ?? null,
    sentAt: times.sentAt?.toISOString() ?? null,
    receivedAt: times.receivedAt.toISOString(),
    timestamp: times.timestamp.toISOString(),
    request: {
      ...options.request,
      ip: ip ?? options.request.ip,
      userAgent: typeof context.userAgent === 'string' && context.userAgent ? context.userAgent : options.request.userAgent,
    },
  };
  const unstorable = unstorableTextOf(event);
  if (unstorable.length) return fail(unstorable.map((f) => `${f.path}: ${f.reason}`).join('; '), unstorable);
  return { ok: true, event };
}

/**
 * The text every store must hold (libs/contracts' text rule), paths as the sender wrote them:
 * a page's or screen's event name came from `name`. The request facts are not stored.
 */
function unstorableTextOf(event: RawEvent): FieldError[] {
  const { request: _request, event: name, ...stored } = event;
  const nameField = event.type === 'track' ? 'event' : 'name';
  return [...unstorableText(stored), ...unstorableText(name, nameField)];
}
