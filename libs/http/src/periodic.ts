/**
 * Runs `task` every `intervalMs` from `start` until `stop`, which waits for a run in progress so
 * nothing it uses is closed under it. The timer does not keep the process alive; the task logs
 * its own failures (a rejected run is not retried early).
 */
export function createPeriodicTask(intervalMs: number, task: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    start(): void {
      timer = setInterval(() => {
        running = task().catch(() => undefined);
      }, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
