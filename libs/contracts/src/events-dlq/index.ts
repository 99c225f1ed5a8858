import { z } from 'zod';
import { isoTimestamp } from '../common';

export const dlqValue = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  error: z.string(),
  consumerGroup: z.string(),
  failedAt: isoTimestamp,
  /** The original bytes, base64, so nothing is lost even when they were not JSON. */
  payloadBase64: z.string().nullable(),
});
export type DlqRecord = z.infer<typeof dlqValue>;
