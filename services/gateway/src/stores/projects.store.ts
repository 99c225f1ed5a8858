import { HttpError } from '@sightline/http';
import type { Prisma } from '../generated/prisma/client';
import { mergeSettings, toProjectConfig, type ProjectRow, type SettingsPatch } from '../domain/project-config';
import { createTtlCache } from '../auth/ttl-cache';
import { hashSecret, keyPrefix, newId, newReadKeySecret, newWriteKey } from '../auth/secrets';
import type { ChangePublisher } from '../publishers/change.publisher';
import { isMissingRecord, isUniqueViolation, type Db, type Tx } from './prisma';

const withAccount = { account: { select: { slug: true } } } as const;

export interface ProjectInput {
  id?: string;
  name: string;
  slug: string;
  timeZone: string;
  allowedOrigins: string[];
  enabled?: boolean;
  cookieless?: boolean;
  botFiltering?: boolean;
  settings?: SettingsPatch;
}

export type ProjectPatch = Partial<Omit<ProjectInput, 'id' | 'slug' | 'settings'>> & { slug?: string; settings?: SettingsPatch };

/**
 * Projects and their keys. Every change to a project is published to `projects.v1` inside the
 * database transaction: if Kafka does not acknowledge, the change rolls back and the caller
 * gets a 503, so the topic never misses a committed change. (The rare commit failure after a
 * publish is healed by `republishAll` at start.)
 */
export function createProjectStore(db: Db, publisher: ChangePublisher, lookupCacheMs = 0) {
  // Hot per-request lookups, remembered briefly. Changes made through this process forget them
  // at once; other gateway instances see them within lookupCacheMs (< 2 s: the revocation promise).
  const projectCache = createTtlCache<ProjectRow | null>(lookupCacheMs);
  const keyCache = createTtlCache<{ id: string; projectId: string; secretHash: string } | null>(lookupCacheMs);
  async function publish(tx: Tx, id: string): Promise<ProjectRow> {
    const row = await tx.project.findUniqueOrThrow({ where: { id }, include: withAccount });
    await publisher.publishProject(id, toProjectConfig(row));
    return row;
  }
  async function inTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await db.$transaction(fn, { timeout: 30_000 });
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'conflict', 'a project with this slug (or id) already exists in the account');
      // Access was checked against a cached row; a concurrent delete may have won since.
      if (isMissingRecord(err)) throw HttpError.notFound('not found: deleted meanwhile');
      if ((err as { name?: string }).name?.startsWith('Kafka')) throw HttpError.unavailable('the change could not be published; nothing was changed', 5);
      throw err;
    } finally {
      // After the commit, so a concurrent read cannot cache the old row again.
      projectCache.clear();
    }
  }

  return {
    get: (id: string): Promise<ProjectRow | null> => projectCache.get(id, () => db.project.findUnique({ where: { id }, include: withAccount })),
    list: (accountId: string): Promise<ProjectRow[]> => db.project.findMany({ where: { accountId }, include: withAccount, orderBy: { createdAt: 'asc' } }),
    findBySlugs: (accountSlug: string, slug: string): Promise<ProjectRow | null> =>
      db.project.findFirst({ where: { slug, account: { slug: accountSlug } }, include: withAccount }),

    create(accountId: string, input: ProjectInput): Promise<ProjectRow> {
      return inTransaction(async (tx) => {
        const id = input.id ?? newId('prj');
        await tx.project.create({
          data: {
            id,
            accountId,
            name: input.name,
            slug: input.slug,
            writeKey: newWriteKey(),
            timeZone: input.timeZone,
            allowedOrigins: input.allowedOrigins,
            enabled: input.enabled ?? true,
            cookieless: input.cookieless ?? true,
            botFiltering: input.botFiltering ?? true,
            settings: mergeSettings({}, input.settings ?? {}) as Prisma.InputJsonValue,
            updatedAt: new Date(),
          },
        });
        return publish(tx, id);
      });
    },

    update(id: string, patch: ProjectPatch): Promise<ProjectRow> {
      return inTransaction(async (tx) => {
        const current = await tx.project.findUniqueOrThrow({ where: { id } });
        const { settings, ...columns } = patch;
        const merged = settings ? mergeSettings(current.settings, settings) : undefined;
        await tx.project.update({
          where: { id },
          data: { ...columns, ...(merged ? { settings: merged as Prisma.InputJsonValue } : {}), updatedAt: new Date() },
        });
        return publish(tx, id);
      });
    },

    /** A new write key; the old one keeps working at ingest until retired when `keepPrevious`. */
    rotateWriteKey(id: string, keepPrevious: boolean): Promise<ProjectRow> {
      return inTransaction(async (tx) => {
        const current = await tx.project.findUniqueOrThrow({ where: { id } });
        await tx.project.update({ where: { id }, data: { writeKey: newWriteKey(), previousWriteKey: keepPrevious ? current.writeKey : null, updatedAt: new Date() } });
        return publish(tx, id);
      });
    },

    retirePreviousWriteKey(id: string): Promise<ProjectRow> {
      return inTransaction(async (tx) => {
        await tx.project.update({ where: { id }, data: { previousWriteKey: null, updatedAt: new Date() } });
        return publish(tx, id);
      });
    },

    delete(id: string): Promise<void> {
      return inTransaction(async (tx) => {
        await tx.project.delete({ where: { id } });
        await publisher.publishProject(id, null);
      });
    },

    /** Deletes an account and tombstones each of its projects. */
    deleteAccount(accountId: string): Promise<void> {
      return inTransaction(async (tx) => {
        const projects = await tx.project.findMany({ where: { accountId }, select: { id: true } });
        await tx.account.delete({ where: { id: accountId } });
        for (const { id } of projects) await publisher.publishProject(id, null);
      });
    },

    async republish(id: string): Promise<void> {
      const row = await db.project.findUniqueOrThrow({ where: { id }, include: withAccount });
      await publisher.publishProject(id, toProjectConfig(row));
    },

    /** Publishes every project again: heals a publish whose transaction later failed to commit. */
    async republishAll(): Promise<number> {
      const rows = await db.project.findMany({ include: withAccount });
      for (const row of rows) await publisher.publishProject(row.id, toProjectConfig(row));
      return rows.length;
    },

    async createReadKey(projectId: string, name: string) {
      const secret = newReadKeySecret();
      const key = await db.readKey.create({ data: { id: newId('key'), projectId, name, secretHash: hashSecret(secret), prefix: keyPrefix(secret) } });
      return { key, secret };
    },
    listReadKeys: (projectId: string) => db.readKey.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' } }),
    /** Looked up by the hash of the presented secret, so no secret is ever compared byte by byte. */
    findActiveReadKey: (secretHash: string) =>
      keyCache.get(secretHash, async () => {
        const key = await db.readKey.findFirst({ where: { secretHash, revokedAt: null } });
        return key ? { id: key.id, projectId: key.projectId, secretHash: key.secretHash } : null;
      }),
    async revokeReadKey(projectId: string, keyId: string) {
      const { count } = await db.readKey.updateMany({ where: { id: keyId, projectId, revokedAt: null }, data: { revokedAt: new Date() } });
      keyCache.clear();
      if (count === 0) throw HttpError.notFound('key not found or already revoked');
    },
    /** Revokes a key and issues a new one with the same name, atomically. */
    async rotateReadKey(projectId: string, keyId: string) {
      const secret = newReadKeySecret();
      const rotated = await db.$transaction(async (tx) => {
        const old = await tx.readKey.findFirst({ where: { id: keyId, projectId, revokedAt: null } });
        if (!old) throw HttpError.notFound('key not found or already revoked');
        await tx.readKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
        const key = await tx.readKey.create({ data: { id: newId('key'), projectId, name: old.name, secretHash: hashSecret(secret), prefix: keyPrefix(secret) } });
        return { key, secret };
      });
      keyCache.clear();
      return rotated;
    },
  };
}
export type ProjectStore = ReturnType<typeof createProjectStore>;
