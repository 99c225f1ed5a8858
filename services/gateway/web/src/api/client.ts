// The dashboard's only way to the API: a client typed by the types openapi-typescript generates
// from /openapi.json at build time (schema.d.ts), so a route the document does not describe, or
// a field it does not have, fails the typecheck. Same-origin, with the member's session cookie.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

/** An API error as the gateway sends it: `{error: {code, message, field?}}`, with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Reply<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The reply's data, or an ApiError that says what failed (status, code, field). */
export async function unwrap<T>(reply: Promise<Reply<T>>): Promise<T> {
  const { data, error, response } = await reply;
  if (response.ok && data !== undefined) return data;
  const body = (error ?? {}) as { error?: { code?: string; message?: string; field?: string } };
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  throw new ApiError(response.status, body.error?.code ?? `http_${response.status}`, body.error?.message ?? response.statusText, body.error?.field, retryAfter);
}
