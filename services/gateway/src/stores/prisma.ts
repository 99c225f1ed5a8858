import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function createPrisma(url: string, poolSize: number): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
}

/** True for a unique-constraint violation (Prisma's P2002), the one error callers turn into a 409. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/**
 * What a unique violation was about: the fields, or (from the pg driver adapter, which names a
 * unique index rather than its columns) the index name, e.g. `members_email_key`.
 */
/** True when the row a write needed is gone (Prisma's P2025): deleted meanwhile by a concurrent request. */
export function isMissingRecord(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
}

export function uniqueTarget(err: unknown): string {
  const meta = (err as { meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } } } }).meta;
  const constraint = meta?.driverAdapterError?.cause?.constraint;
  const fields = constraint?.fields ?? constraint?.index ?? meta?.target;
  return Array.isArray(fields) ? fields.join(',') : String(fields ?? '');
}
