// Facts about this server that the dashboard needs before (and besides) a session: where the
// collector is (for the snippets) and whether anyone may sign up. One request, at start.
import { signal } from '@preact/signals';
import { api, unwrap } from '../api/client';

export interface ServerConfig {
  ingestUrl: string | null;
  signupOpen: boolean;
}

/** undefined until loaded; a failed load leaves the browser's own guesses in place. */
export const server = signal<ServerConfig | undefined>(undefined);

export async function loadServerConfig(): Promise<void> {
  try {
    server.value = await unwrap(api.GET('/v1/config'));
  } catch {
    server.value = undefined;
  }
}
