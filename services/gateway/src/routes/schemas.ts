import { projectId as projectIdSchema } from '@sightline/contracts';
import { z } from 'zod';
import { ROLES } from '../stores/accounts.store';
import { SLUG_PATTERN } from '../domain/slug';

export const role = z.enum(ROLES);
export const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const password = z.string().min(8, 'at least 8 characters').max(1024);
export const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');
export const slug = z.string().regex(SLUG_PATTERN, 'lowercase letters, digits and -, at most 64');
export const projectIdParam = projectIdSchema;

export const accountParams = z.object({ accountId: id });
export const projectParams = z.object({ projectId: projectIdParam });

export const accountView = z.object({ id: z.string(), name: z.string(), slug: z.string(), createdAt: z.string() });
export const memberView = z.object({ id: z.string(), email: z.string(), role, createdAt: z.string() });

export const readKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the secret'),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export const newReadKeyView = readKeyView.extend({ secret: z.string().describe('shown once; only its hash is stored') });

export const projectView = z.object({
  id: z.string(),
  accountId: z.string(),
  accountSlug: z.string(),
  name: z.string(),
  slug: z.string(),
  writeKey: z.string(),
  previousWriteKey: z.string().nullable(),
  timeZone: z.string(),
  allowedOrigins: z.array(z.string()),
  enabled: z.boolean(),
  cookieless: z.boolean(),
  botFiltering: z.boolean(),
  privacySignals: z.enum(['drop', 'anonymous', 'ignore']),
  sessionTimeoutMinutes: z.number(),
  sessionSplitAtMidnight: z.boolean(),
  allowReidentifyAfterErasure: z.boolean(),
  keylessPathWrites: z.boolean().describe("HiiTrack's writes by path without a write key are accepted (off for new projects)"),
  dimensionValuesPerDay: z.number().describe('distinct values per dimension kind (page, referrer, a trait key …) and day kept before the rest count as (other)'),
  retention: z.object({ minuteBucketDays: z.number(), hourBucketDays: z.number(), maxEventAgeDays: z.number(), eventStoreMonths: z.number().nullable() }),
  rateLimit: z.object({ eventsPerSecond: z.number(), burst: z.number() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function keyView(key: { id: string; name: string; prefix: string; createdAt: Date; revokedAt: Date | null }) {
  return { id: key.id, name: key.name, prefix: key.prefix, createdAt: key.createdAt.toISOString(), revokedAt: key.revokedAt?.toISOString() ?? null };
}

export function accountJson(account: { id: string; name: string; slug: string; createdAt: Date }) {
  return { id: account.id, name: account.name, slug: account.slug, createdAt: account.createdAt.toISOString() };
}
