import { useState } from 'preact/hooks';
import { ApiError, unwrap } from '../api/client';

/** What a failed form submission says: the API's message and field, or that the server is unreachable. */
export function errorMessage(err: unknown, overrides: Partial<Record<number, string>> = {}): string {
  if (err instanceof ApiError) {
    if (overrides[err.status]) return overrides[err.status]!;
    if (err.status === 429) return `Too many attempts; try again${err.retryAfterSeconds ? ` in ${err.retryAfterSeconds} s` : ' later'}.`;
    return err.message + (err.field ? ` (${err.field})` : '');
  }
  return 'The server could not be reached.';
}

/** A form's submit: busy while it runs, the error it ended with (null on success). */
export function useFormAction(overrides: Partial<Record<number, string>> = {}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err, overrides));
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, run, setError };
}

/** For a 204 reply, which `unwrap` (it wants data) would report as a failure: resolves on any 2xx. */
export async function expectNoContent(reply: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  const { response } = await reply;
  if (response.ok) return;
  await unwrap(reply as Promise<{ data?: never; error?: unknown; response: Response }>);
}
