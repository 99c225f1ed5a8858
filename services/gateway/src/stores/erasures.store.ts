import type { Db } from './prisma';

/** A record of each right-to-erasure request, so its status URL can answer later. */
export function createErasureStore(db: Db) {
  return {
    record: (data: { id: string; projectId: string; visitorId: string; requestedAt: Date }) => db.erasure.create({ data }),
    find: (projectId: string, id: string) => db.erasure.findFirst({ where: { projectId, id } }),
  };
}
export type ErasureStore = ReturnType<typeof createErasureStore>;
