import type { Prisma } from '../generated/prisma/client';
import type { Db } from './prisma';

/** Saved funnel definitions, per project and name (HiiTrack's `/funnel/:name`). */
export function createFunnelStore(db: Db) {
  return {
    list: (projectId: string) => db.savedFunnel.findMany({ where: { projectId }, orderBy: { name: 'asc' } }),
    get: (projectId: string, name: string) => db.savedFunnel.findUnique({ where: { projectId_name: { projectId, name } } }),
    save: (projectId: string, name: string, definition: unknown) =>
      db.savedFunnel.upsert({
        where: { projectId_name: { projectId, name } },
        create: { projectId, name, definition: definition as Prisma.InputJsonValue, updatedAt: new Date() },
        update: { definition: definition as Prisma.InputJsonValue, updatedAt: new Date() },
      }),
    async delete(projectId: string, name: string): Promise<boolean> {
      const { count } = await db.savedFunnel.deleteMany({ where: { projectId, name } });
      return count > 0;
    },
  };
}
export type FunnelStore = ReturnType<typeof createFunnelStore>;
