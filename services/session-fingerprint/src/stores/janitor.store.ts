import type { Pool } from 'pg';
import type { Logger } from '@sightline/telemetry';
import type { SaltStore } from './salt.store';

/** Destroys expired salts and prunes the ledger on an interval; runs once at start. */
export function createJanitor(options: { pool: Pool; salts: SaltStore; ledgerRetentionDays: number; intervalMs: number; logger: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  async function sweep(): Promise<void> {
    try {
      const salts = await options.salts.destroyExpired();
      const cutoff = new Date(Date.now() - options.ledgerRetentionDays * 86400_000).toISOString();
      const ledger = await options.pool.query('DELETE FROM event_ledger WHERE received_at < $1::timestamptz', [cutoff]);
      if (salts || ledger.rowCount) options.logger.info({ saltsDestroyed: salts, ledgerRowsPruned: ledger.rowCount }, 'janitor_swept');
    } catch (err) {
      options.logger.warn({ err }, 'janitor_failed');
    }
  }
  return {
    async start() {
      running = sweep();
      await running;
      timer = setInterval(() => {
        running = sweep();
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
