import type { Prisma } from '../generated/prisma/client';
import type { Db } from './prisma';

/** Saved segments (named sets of global filters), per project and name. */
export function createSegmentStore(db: Db) {
  return {
    list: (projectId: string) => db.segment.findMany({ where: { projectId }, orderBy: { name: 'asc' } }),
    /**
     * Creates or replaces the segment; a new name is refused (null) when the project already has
     * `max` segments. Serialized per project by a row lock on the project, so concurrent saves
     * cannot pass the cap together.
     */
    save: (projectId: string, name: string, filters: unknown, max: number) =>
      db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "projects" WHERE "id" = ${projectId} FOR UPDATE`;
        const exists = await tx.segment.findUnique({ where: { projectId_name: { projectId, name } }, select: { name: true } });
        if (!exists && (await tx.segment.count({ where: { projectId } })) >= max) return null;
        return tx.segment.upsert({
          where: { projectId_name: { projectId, name } },
          create: { projectId, name, filters: filters as Prisma.InputJsonValue, updatedAt: new Date() },
          update: { filters: filters as Prisma.InputJsonValue, updatedAt: new Date() },
        });
      }),
    async delete(projectId: string, name: string): Promise<boolean> {
      const { count } = await db.segment.deleteMany({ where: { projectId, name } });
      return count > 0;
    },
  };
}
export type SegmentStore = ReturnType<typeof createSegmentStore>;
