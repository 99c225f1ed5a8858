import { z } from 'zod';
import { isoTimestamp, projectId } from '../common';

export const erasureValue = z.object({
  requestId: z.string().min(1),
  projectId,
  /** Any ids the visitor is known by: visitorId, userId, anonymousId. */
  visitorIds: z.array(z.string().min(1)).min(1),
  requestedAt: isoTimestamp,
});
export type Erasure = z.infer<typeof erasureValue>;
