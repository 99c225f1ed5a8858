import { erasureIdHash } from '@sightline/contracts';
import type { Db } from './prisma';

/** How an applied request's `visitor_id` column reads: the id's keyed hash, never the id. */
const HASHED = 'hmac-sha256:';
/** Requests applied before the hash was keyed: migration 20261203140000 dropped their unkeyed hash. */
const LEGACY_HASHED = 'sha256:';

export interface ErasureRequest {
  id: string;
  projectId: string;
  requestedAt: Date;
  /** The erased id while the request is pending (the status check asks the event store for it); null once applied. */
  visitorId: string | null;
  /** `hmac-sha256:` + erasureIdHash(ERASURE_ID_SECRET, project, visitor id): what is kept once the erasure is applied. */
  visitorIdHash: string;
  erased: boolean;
}

/**
 * A record of each right-to-erasure request, so its status URL can answer later. The visitor
 * id is needed only to see whether the event store still knows the visitor: once it does not,
 * the row keeps its keyed hash instead (issue #16 findings 7e and 7c; docs/identity.md), which
 * lets whoever holds ERASURE_ID_SECRET and the id match a request, and nobody else.
 */
export function createErasureStore(db: Db, secret: string) {
  const view = (row: { id: string; projectId: string; visitorId: string; requestedAt: Date }): ErasureRequest => {
    const erased = row.visitorId.startsWith(HASHED) || row.visitorId.startsWith(LEGACY_HASHED);
    return { id: row.id, projectId: row.projectId, requestedAt: row.requestedAt, visitorId: erased ? null : row.visitorId, visitorIdHash: erased ? row.visitorId : `${HASHED}${erasureIdHash(secret, row.projectId, row.visitorId)}`, erased };
  };
  return {
    /** The keyed hash of an id, as erasures.v1 and every store name an erased id. */
    idHash: (projectId: string, id: string) => erasureIdHash(secret, projectId, id),
    record: (data: { id: string; projectId: string; visitorId: string; requestedAt: Date }) => db.erasure.create({ data }),
    find: async (projectId: string, id: string): Promise<ErasureRequest | null> => {
      const row = await db.erasure.findFirst({ where: { projectId, id } });
      return row ? view(row) : null;
    },
    /** The request was applied: forget the id, keep its hash. */
    markErased: async (request: ErasureRequest): Promise<ErasureRequest> => {
      await db.erasure.updateMany({ where: { projectId: request.projectId, id: request.id }, data: { visitorId: request.visitorIdHash } });
      return { ...request, visitorId: null, erased: true };
    },
  };
}
export type ErasureStore = ReturnType<typeof createErasureStore>;
