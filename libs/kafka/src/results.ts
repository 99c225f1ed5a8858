/** The error a DLQ record names (its `x-dlq-error-name` / `x-dlq-error-code` headers). */
export interface DlqError {
  name: string;
  code: string | null;
}

/** What a handler says of one message; the consumer wrapper acts on it. */
export type HandlerResult = { kind: 'ok' } | { kind: 'dlq'; reason: string; error?: DlqError } | { kind: 'drop'; reason: string };

export const ok = (): HandlerResult => ({ kind: 'ok' });
/** To the DLQ with the reason; `error` names it for `sightline dlq redrive --reason` (default `Rejected`). */
export const dlq = (reason: string, error?: DlqError): HandlerResult => (error ? { kind: 'dlq', reason, error } : { kind: 'dlq', reason });
export const drop = (reason: string): HandlerResult => ({ kind: 'drop', reason });
