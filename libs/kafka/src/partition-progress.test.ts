import { createPartitionProgress } from './partition-progress';

describe('createPartitionProgress', () => {
  it('skips what this process committed, keeping the highest commit per partition', () => {
    const progress = createPartitionProgress();
    const batch = ['5', '6', '7', '8'].map((offset) => ({ offset }));
    expect(progress.uncommitted('t:0', batch)).toEqual(batch);
    progress.committed('t:0', '7');
    progress.committed('t:0', '6'); // an older commit answered late changes nothing
    expect(progress.uncommitted('t:0', batch)).toEqual([{ offset: '7' }, { offset: '8' }]);
    expect(progress.uncommitted('t:1', batch)).toEqual(batch);
  });

  it('runs one batch of a partition at a time, also after one failed, and partitions side by side', async () => {
    const progress = createPartitionProgress();
    const log: string[] = [];
    let finishFirst!: () => void;
    const first = progress.exclusive('t:0', async () => {
      log.push('first start');
      await new Promise<void>((resolve) => (finishFirst = resolve));
      log.push('first end');
      throw new Error('failed');
    });
    const second = progress.exclusive('t:0', async () => log.push('second'));
    const other = progress.exclusive('t:1', async () => log.push('other partition'));
    await other;
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['first start', 'other partition']);
    finishFirst();
    await expect(first).rejects.toThrow('failed');
    await second;
    expect(log).toEqual(['first start', 'other partition', 'first end', 'second']);
  });
});
