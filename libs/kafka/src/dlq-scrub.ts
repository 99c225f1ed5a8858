/**
 * What a DLQ record may keep of a poison message. The DLQ is read by operators and kept for
 * weeks, so the request facts that exist only to compute a fingerprint (IP, Accept-Language,
 * the requesting User-Agent) are removed before producing: the rest of the record still shows
 * what failed, and the fingerprint could not be recomputed anyway once the day's salt is gone.
 */
const REQUEST_FACTS = ['ip', 'acceptLanguage', 'userAgent'] as const;

/** A raw-event key of the old form `<project>:fp:<ip>|<user agent>` (before keys were hashed). */
const PLAIN_FINGERPRINT_KEY = /^([^:]*):fp:(?![0-9a-f]{32}$)/;

export interface ScrubbedPayload {
  value: Buffer | null;
  /** JSON paths that were cleared (empty when nothing was). */
  scrubbed: string[];
}

/**
 * Clears `request.ip`, `request.acceptLanguage` and `request.userAgent` of a JSON object (a raw
 * event, or anything shaped like one). Bytes that are not a JSON object are kept as they are:
 * no producer of ours writes request facts into them.
 */
export function scrubDlqPayload(value: Buffer | null): ScrubbedPayload {
  if (!value) return { value, scrubbed: [] };
  let data: unknown;
  try {
    data = JSON.parse(value.toString('utf8'));
  } catch {
    return { value, scrubbed: [] };
  }
  const request = (data as { request?: unknown } | null)?.request;
  if (!request || typeof request !== 'object' || Array.isArray(request)) return { value, scrubbed: [] };
  const facts = request as Record<string, unknown>;
  const scrubbed = REQUEST_FACTS.filter((name) => facts[name] !== undefined && facts[name] !== null);
  if (scrubbed.length === 0) return { value, scrubbed: [] };
  for (const name of scrubbed) facts[name] = null;
  return { value: Buffer.from(JSON.stringify(data), 'utf8'), scrubbed: scrubbed.map((name) => `request.${name}`) };
}

/** The DLQ record's key: the original one, except that a plain IP/User-Agent key loses them. */
export function scrubDlqKey(key: string | null): string | null {
  if (key === null) return null;
  const match = PLAIN_FINGERPRINT_KEY.exec(key);
  return match ? `${match[1]}:fp:redacted` : key;
}
