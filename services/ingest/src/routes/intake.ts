import { randomBytes, randomUUID } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { Request, Response } from 'express';
import { rawEventKeyOf, type EventType, type ProjectConfig, type RawEvent } from '@sightline/contracts';
import { HttpError, requestContextOf, type FieldError } from '@sightline/http';
import { injectTraceHeaders, type Context, type Logger } from '@sightline/telemetry';
import { toRawEvent, type Converted } from '../domain/segment-event.handler';
import { requestFacts } from '../domain/request-facts.handler';
import type { RateLimiter } from '@sightline/rate-limit';
import type { ProjectLookup } from '../projects/project-directory';
import { PublishUnavailableError, type RawEventPublisher } from '../publisher/raw-event.publisher';
import { originAllowed, setCorsHeaders } from './cors';

export interface IntakeSettings {
  defaultProjectId: string;
  maxEventBytes: number;
  futureLimitDays: number;
  ackTimeoutMs: number;
  trustedProxies: BlockList;
  /** HMAC secret of a cookieless event's Kafka key (RAW_KEY_SECRET); unset: one random per process. */
  rawKeySecret?: string;
}

/** Used when no RAW_KEY_SECRET is set: a cookieless visitor keeps one partition within this process. */
const processRawKeySecret = randomBytes(32).toString('hex');

export interface IntakeDeps {
  projects: ProjectLookup;
  publisher: RawEventPublisher;
  limiter: RateLimiter;
  settings: IntakeSettings;
  logger: Logger;
}

export interface Resolved {
  project: ProjectConfig;
  /** The bucket the rate limit charges: the write key, or the project when none was given. */
  limiterKey: string;
  /** The request's span: every event it publishes carries it in `traceparent`. */
  trace?: Context;
}

export interface Rejected {
  index: number;
  reason: string;
  fields: FieldError[];
}

/** A 401 that names the field at fault, like every other refusal. */
function unauthorized(message: string): HttpError {
  const base = HttpError.unauthorized(message);
  return new HttpError(401, base.code, message, [{ path: 'writeKey', reason: message }], base.headers);
}

/** The write key as Segment sends it: HTTP Basic username (password empty). */
export function basicUsername(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user ? user : null;
}

function queryString(req: Request, name: string): string | null {
  const value = req.query[name];
  return typeof value === 'string' && value ? value : null;
}

export function writeKeyOf(req: Request, bodyKey?: unknown): string | null {
  return basicUsername(req) ?? (typeof bodyKey === 'string' && bodyKey ? bodyKey : null) ?? queryString(req, 'key') ?? queryString(req, 'writeKey') ?? queryString(req, 'data-key');
}

/** Checks a project once found: enabled, and the browser's Origin among its allowed origins. */
export function admitProject(req: Request, res: Response, project: ProjectConfig): void {
  if (!project.enabled) throw HttpError.forbidden(`project ${project.projectId} is disabled`);
  const origin = req.headers.origin;
  if (origin && !originAllowed(project.allowedOrigins, origin)) throw HttpError.forbidden(`origin ${origin} is not allowed for this project`);
  setCorsHeaders(res, origin, project.allowedOrigins);
}

/**
 * The project of a request from its write key; with `fallbackToDefault` (seed endpoints) the
 * configured default project answers when no key is given.
 */
export function resolveByKey(deps: IntakeDeps, req: Request, res: Response, bodyKey: unknown, fallbackToDefault: boolean): Resolved {
  const key = writeKeyOf(req, bodyKey);
  if (key) {
    const match = deps.projects.byWriteKey(key);
    if (!match) throw unauthorized('unknown write key');
    admitProject(req, res, match.project);
    return { project: match.project, limiterKey: `key:${key}`, trace: requestContextOf(res) };
  }
  if (!fallbackToDefault) throw unauthorized('missing write key: send it as the HTTP Basic username, `writeKey` in the body, or `?key=`');
  const project = deps.projects.byId(deps.settings.defaultProjectId);
  if (!project) throw unauthorized(`no write key given and the default project "${deps.settings.defaultProjectId}" is not configured`);
  admitProject(req, res, project);
  return { project, limiterKey: `project:${project.projectId}`, trace: requestContextOf(res) };
}

export interface ConvertRequest {
  inputs: unknown[];
  defaultType: EventType | null;
  requireIdentity: boolean;
  /** Browser endpoints: the request's User-Agent is the visitor's (see RequestFacts.clientKind). */
  fromBrowser?: boolean;
  batchSentAt?: unknown;
  batchContext?: unknown;
}

/** Every input into a RawEvent or a rejection with its index; nothing is dropped silently. */
export function convertAll(deps: IntakeDeps, req: Request, resolved: Resolved, conversion: ConvertRequest): { events: RawEvent[]; rejected: Rejected[]; results: Converted[] } {
  const receivedAt = new Date();
  const facts = requestFacts(req.socket.remoteAddress, req.headers, deps.settings.trustedProxies, conversion.fromBrowser ? 'browser' : 'server');
  // An event is built from the body, the URL and headers (Referer) only. Re-serialised, one
  // character of them takes at most 6 bytes (3 for UTF-8, ~5.3 for `1e20` written out), and
  // headers are capped at 16 KB by Node: under the limit, measuring each event is skipped.
  const sizeBound = 6 * ((typeof req.body === 'string' ? req.body.length : 0) + req.originalUrl.length) + 16_384;
  const events: RawEvent[] = [];
  const rejected: Rejected[] = [];
  const results = conversion.inputs.map((input, index) => {
    const result = toRawEvent(input, conversion.defaultType, {
      projectId: resolved.project.projectId,
      receivedAt,
      request: facts,
      requireIdentity: conversion.requireIdentity,
      maxEventBytes: deps.settings.maxEventBytes,
      sizeBound,
      futureLimitDays: deps.settings.futureLimitDays,
      maxAgeDays: resolved.project.retention.maxEventAgeDays,
      batchSentAt: conversion.batchSentAt,
      batchContext: conversion.batchContext,
      newMessageId: randomUUID,
    });
    if (result.ok) events.push(result.event);
    else rejected.push({ index, reason: result.reason, fields: result.fields });
    return result;
  });
  return { events, rejected, results };
}

/** Rate limit, then hand the events to Kafka and wait for the acknowledgement (or 503). */
export async function publishEvents(deps: IntakeDeps, resolved: Resolved, events: RawEvent[]): Promise<void> {
  if (events.length === 0) return;
  const taken = await deps.limiter.take(resolved.limiterKey, events.length, resolved.project.rateLimit);
  if (!taken.ok) throw HttpError.tooManyRequests(taken.retryAfterSeconds);
  try {
    const headers = resolved.trace ? injectTraceHeaders({}, resolved.trace) : undefined;
    await deps.publisher.publish(events.map((event) => ({ key: rawEventKeyOf(event, deps.settings.rawKeySecret ?? processRawKeySecret), value: event, headers })));
  } catch (err) {
    if (err instanceof PublishUnavailableError) throw HttpError.unavailable(`events not stored: ${err.message}; retry later`, Math.max(1, Math.ceil(deps.settings.ackTimeoutMs / 1000)));
    throw err;
  }
}

/** A single-event endpoint: the one event or an error naming its fields (413 when too large). */
export function singleOrThrow(result: Converted): RawEvent {
  if (result.ok) return result.event;
  if (result.tooLarge) throw new HttpError(413, 'payload_too_large', result.reason, result.fields);
  throw HttpError.badRequest(`invalid event: ${result.reason}`, result.fields);
}

/** A batch where nothing was accepted is a 400 naming every rejected event's fields. */
export function throwIfNoneAccepted(events: RawEvent[], rejected: Rejected[], prefix: string): void {
  if (events.length > 0 || rejected.length === 0) return;
  const fields = rejected.flatMap((r) => r.fields.map((f) => ({ path: `${prefix}${r.index}.${f.path}`, reason: f.reason })));
  throw HttpError.badRequest(`no event in the batch was valid: ${rejected.map((r) => `#${r.index} ${r.reason}`).join('; ').slice(0, 2000)}`, fields);
}

/** Parses the raw body (JSON, also when sent as text/plain by sendBeacon). */
export function jsonBody(req: Request): unknown {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim() === '') throw HttpError.badRequest('empty body: send a JSON object', [{ path: '(body)', reason: 'required' }]);
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw HttpError.badRequest(`malformed JSON: ${(err as Error).message}`, [{ path: '(body)', reason: 'malformed JSON' }]);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export function requireObject(value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw HttpError.badRequest('the body must be a JSON object', [{ path: '(body)', reason: 'must be a JSON object' }]);
  return value;
}
