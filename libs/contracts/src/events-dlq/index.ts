import { z } from 'zod';
import { isoTimestamp } from '../common';

export const dlqValue = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  error: z.string(),
  consumerGroup: z.string(),
  failedAt: isoTimestamp,
  /**
   * The original bytes, base64, so nothing is lost even when they were not JSON — except the
   * request facts of a JSON record (`request.ip`, `request.acceptLanguage`,
   * `request.userAgent`), which are cleared to null before producing.
   */
  payloadBase64: z.string().nullable(),
  /** The JSON paths cleared from the payload (absent when none were). */
  scrubbed: z.array(z.string()).optional(),
});
export type DlqRecord = z.infer<typeof dlqValue>;
