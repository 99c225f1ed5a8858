/** What a handler says of one message; the consumer wrapper acts on it. */
export type HandlerResult = { kind: 'ok' } | { kind: 'dlq'; reason: string } | { kind: 'drop'; reason: string };

export const ok = (): HandlerResult => ({ kind: 'ok' });
export const dlq = (reason: string): HandlerResult => ({ kind: 'dlq', reason });
export const drop = (reason: string): HandlerResult => ({ kind: 'drop', reason });

/** Thrown for failures that will not heal by retrying (bad data); the message goes to the DLQ. */
export class NonRetriableError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'NonRetriableError';
  }
}

export function isRetriable(err: unknown): boolean {
  return !(err instanceof NonRetriableError);
}
