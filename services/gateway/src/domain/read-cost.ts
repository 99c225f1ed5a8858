import { HttpError } from '@sightline/http';

/**
 * The aggregator's 400s name its own parameters (`expr`, `prefix` …; a read over its cost bound
 * READ_MAX_COST names the one that made it costly), but the caller of the public API set others
 * (`filter`, `by`, `aFilter` …). Passes such a 400 on as the caller's 400, with the caller's
 * names; the limit stays in the message.
 */
export async function withCallerFields<T>(read: Promise<T>, names: Record<string, string>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 400) throw err;
    throw new HttpError(400, err.code, err.message, err.fields.map((f) => ({ ...f, path: names[f.path] ?? f.path })), err.headers);
  }
}

/** The OpenAPI 400 of a route that reads the aggregator's bitmaps. */
export const readCostReply = {
  description: "invalid input, or a read over the aggregator's cost bound READ_MAX_COST (60,000 bitmap operands by default; docs/security.md): the message names the limit and the read's cost, `error.fields` the parameter to narrow",
};
