import type { RequestHandler, Response } from 'express';
import { startRequestSpan, untracedPaths, type Context, type RequestSpan } from '@sightline/telemetry';

/**
 * One server span per request for services that run without the automatic HTTP
 * instrumentation (`initTelemetry({instrumentHttp: false})`): the span continues the caller's
 * `traceparent`, ends when the response closes, and is reached through `requestSpanOf(res)`
 * instead of the active context.
 */
export function requestSpans(): RequestHandler {
  return (req, res, next) => {
    if (untracedPaths.has(req.path)) return next();
    const span = startRequestSpan(req.method, req.path, req.headers);
    res.locals.requestSpan = span;
    res.once('close', () => span.end(res.statusCode, req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined));
    next();
  };
}

export function requestSpanOf(res: Response): RequestSpan | undefined {
  return res.locals.requestSpan as RequestSpan | undefined;
}

/** The request's trace context, for headers of what the request produces. */
export function requestContextOf(res: Response): Context | undefined {
  return requestSpanOf(res)?.context;
}
