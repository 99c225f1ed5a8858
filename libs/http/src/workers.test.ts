import { availableParallelism } from 'node:os';
import { workerCount } from './workers';

describe('workerCount', () => {
  it('auto is one per core in production and one process anywhere else', () => {
    expect(workerCount('auto', 'production')).toBe(availableParallelism());
    expect(workerCount('auto', 'test')).toBe(1);
    expect(workerCount('auto', 'development')).toBe(1);
  });

  it('a number is taken as given, at least one', () => {
    expect(workerCount(3, 'test')).toBe(3);
    expect(workerCount(0, 'production')).toBe(1);
  });
});
