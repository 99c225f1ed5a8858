import { createPeriodicTask } from './periodic';

describe('createPeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once per interval from start until stop, and keeps running after a failed run', async () => {
    let runs = 0;
    const task = createPeriodicTask(1000, async () => {
      runs++;
      if (runs === 2) throw new Error('one bad hour');
    });
    task.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(3001);
    expect(runs).toBe(4);
    await task.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(4);
  });

  it('stop waits for the run in progress', async () => {
    let release!: () => void;
    let finished = false;
    const task = createPeriodicTask(10, () => new Promise<void>((resolve) => (release = resolve)).then(() => void (finished = true)));
    task.start();
    await jest.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
  });
});
