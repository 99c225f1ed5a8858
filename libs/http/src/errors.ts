import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { requestSpanOf } from './request-spans';
import type { Logger } from '@sightline/telemetry';

export interface FieldError {
  path: string;
  reason: string;
}

/** An error with the HTTP status, a stable code, and the fields it is about. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  static badRequest(message: string, fields: FieldError[] = []) {
    return new HttpError(400, 'invalid_request', message, fields);
  }
  static notFound(message = 'not found') {
    return new HttpError(404, 'not_found', message);
  }
  /**
   * No `WWW-Authenticate: Basic` challenge: it makes a browser prompt for and then cache Basic
   * credentials, which it sends with any later request to the host, a cross-site form included.
   * API clients (the seeds' too) send their credentials without being challenged.
   */
  static unauthorized(message = 'missing or invalid credentials') {
    return new HttpError(401, 'unauthorized', message);
  }
  static unsupportedMediaType(contentType: string, accepted: string[]) {
    return new HttpError(415, 'unsupported_media_type', `content type ${contentType} is not accepted here; send ${accepted.join(' or ')}`, [{ path: '(body)', reason: `must be ${accepted.join(' or ')}` }]);
  }
  static forbidden(message = 'forbidden') {
    return new HttpError(403, 'forbidden', message);
  }
  static unavailable(message: string, retryAfterSeconds: number) {
    return new HttpError(503, 'unavailable', message, [], { 'Retry-After': String(retryAfterSeconds) });
  }
  static tooManyRequests(retryAfterSeconds: number) {
    return new HttpError(429, 'rate_limited', 'rate limit exceeded', [], { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export function zodFieldErrors(error: z.ZodError, prefix: (string | number)[] = []): FieldError[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(body)',
    reason: issue.message,
  }));
}

/** Parses `data` with `schema` or throws a 400 naming every bad field. */
export function validate<T extends z.ZodType>(schema: T, data: unknown, what = 'request'): z.infer<T> {
  const result = schema.safeParse(data);
  if (!result.success) {
    const fields = zodFieldErrors(result.error);
    throw HttpError.badRequest(`invalid ${what}: ${fields.map((f) => `${f.path} ${f.reason}`).join('; ')}`, fields);
  }
  return result.data;
}

export function errorBody(err: HttpError) {
  const first = err.fields[0];
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(first ? { field: first.path } : {}),
      ...(err.fields.length ? { fields: err.fields } : {}),
    },
  };
}

/** The last middleware: JSON errors `{error: {code, message, field?, fields?}}`, never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    let httpError: HttpError;
    if (err instanceof HttpError) httpError = err;
    else if (err?.type === 'entity.too.large') httpError = new HttpError(413, 'payload_too_large', `request body exceeds ${err.limit} bytes`);
    else if (err?.type === 'entity.parse.failed') httpError = HttpError.badRequest(`malformed JSON: ${err.message}`, [{ path: '(body)', reason: 'malformed JSON' }]);
    else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') httpError = new HttpError(415, 'unsupported_encoding', err.message);
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) httpError = new HttpError(err.status, 'invalid_request', err.message);
    else {
      logger.error({ err, method: req.method, path: req.path, ...requestSpanOf(res)?.traceIds }, 'request_failed');
      httpError = new HttpError(500, 'internal', 'internal error');
    }
    res.status(httpError.status).set(httpError.headers).json(errorBody(httpError));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => next(HttpError.notFound(`no route ${req.method} ${req.path}`));
