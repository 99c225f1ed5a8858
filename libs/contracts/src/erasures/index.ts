import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { isoTimestamp, projectId } from '../common';

/**
 * How an erased id is named outside the request: HMAC-SHA-256 keyed with the deployment's
 * `ERASURE_ID_SECRET` of `projectId "\n" id`, lower-case hex (issue #16 finding 7c). A store
 * that holds ids in plain finds the person by hashing its own ids the same way; a dictionary of
 * emails or user ids does not reverse it without the secret (docs/identity.md, "Erasure").
 */
export function erasureIdHash(secret: string, projectId: string, id: string): string {
  return createHmac('sha256', secret).update(`${projectId}\n${id}`).digest('hex');
}

const idHash = z.string().regex(/^[0-9a-f]{64}$/, 'HMAC-SHA-256, 64 lower-case hex digits');

export const erasureValue = z
  .object({
    requestId: z.string().min(1),
    projectId,
    /**
     * The visitor's index and every index merged into it, as the event store knew them when
     * the request was made (empty when it did not know the visitor yet). Indexes are dense
     * per project, never reused and not personal: a store keyed by index finds the person
     * with them, also when it is rebuilt by a replay that meets the request before the events.
     */
    visitorIndexes: z
      .array(z.number().int().min(0))
      .max(10_000)
      .optional()
      .meta({ description: "the visitor's visitorIndex and the indexes merged into it (as in events.enriched.v1), as the event store knew them; empty when it did not know the visitor yet" }),
    /** erasureIdHash of every id the visitor is known by (visitorId, userId, anonymousId, merged visitors' ids). */
    idHashes: z
      .array(idHash)
      .min(1)
      .max(10_000)
      .optional()
      .meta({ description: 'HMAC-SHA-256(ERASURE_ID_SECRET, projectId + "\\n" + id), lower-case hex, of every id the visitor is known by (visitorId, userId, anonymousId, merged visitors\' visitorIds); always present in records written since 2026-12-03' }),
    /**
     * Records written before 2026-12-03 named the ids in plain; they are still read (until the
     * topic's retention drops them) and no longer written.
     * @deprecated use idHashes and visitorIndexes
     */
    visitorIds: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ deprecated: true, description: 'the ids in plain: only in records written before 2026-12-03 (read, never written now)' }),
    requestedAt: isoTimestamp,
  })
  .refine((e) => e.idHashes !== undefined || e.visitorIds !== undefined, { message: 'idHashes (or, in records before 2026-12-03, visitorIds) is required', path: ['idHashes'] });
export type Erasure = z.infer<typeof erasureValue>;
