import { createHash } from 'node:crypto';
import type { Db } from './prisma';

/** How an applied request's `visitor_id` column reads: the id's hash, never the id. */
const HASHED = 'sha256:';

export function visitorIdHash(projectId: string, visitorId: string): string {
  return `${HASHED}${createHash('sha256').update(`${projectId}\n${visitorId}`).digest('hex')}`;
}

export interface ErasureRequest {
  id: string;
  projectId: string;
  requestedAt: Date;
  /** The erased id while the request is pending (the status check asks the event store for it); null once applied. */
  visitorId: string | null;
  /** SHA-256 of (project, visitor id): what is kept once the erasure is applied. */
  visitorIdHash: string;
  erased: boolean;
}

/**
 * A record of each right-to-erasure request, so its status URL can answer later. The visitor
 * id is needed only to see whether the event store still knows the visitor: once it does not,
 * the row keeps its hash instead (issue #16 finding 7e; docs/identity.md), which still lets
 * someone who knows the id match a request, and nothing more.
 */
export function createErasureStore(db: Db) {
  const view = (row: { id: string; projectId: string; visitorId: string; requestedAt: Date }): ErasureRequest => {
    const erased = row.visitorId.startsWith(HASHED);
    return { id: row.id, projectId: row.projectId, requestedAt: row.requestedAt, visitorId: erased ? null : row.visitorId, visitorIdHash: erased ? row.visitorId : visitorIdHash(row.projectId, row.visitorId), erased };
  };
  return {
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
