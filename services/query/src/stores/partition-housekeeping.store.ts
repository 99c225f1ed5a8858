import { createPeriodicTask } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import type { PartitionStore } from './partition.store';

/**
 * Keeps monthly partitions ahead of the clock and drops the ones past retention (0 keeps
 * everything): the partitions ahead once at start, before the consumers run (a failure there
 * fails the start), then both every `intervalMs` (an hour in the service).
 */
export function createPartitionHousekeeping(options: { partitions: PartitionStore; monthsAhead: number; retentionMonths: number; intervalMs: number; logger: Logger }) {
  const { partitions, logger } = options;
  const hourly = createPeriodicTask(options.intervalMs, async () => {
    try {
      await partitions.ensureAhead(options.monthsAhead);
      const dropped = options.retentionMonths > 0 ? await partitions.dropOlderThan(options.retentionMonths) : [];
      if (dropped.length) logger.info({ dropped }, 'partitions_dropped');
    } catch (err) {
      logger.error({ err }, 'housekeeping_failed');
    }
  });
  return {
    async start() {
      await partitions.ensureAhead(options.monthsAhead);
      hourly.start();
    },
    stop: () => hourly.stop(),
  };
}
