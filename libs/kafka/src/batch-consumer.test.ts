import { backoffMs, checkResults, dlqResultOf, HandlerContractError, isPoisonFailure } from './batch-consumer';
import { classifyError } from './errors';
import { dlq, ok } from './results';

describe('the batch consumer pure parts', () => {
  it('fails loudly when a handler returns fewer (or more) results than items', () => {
    expect(() => checkResults([ok()], 2)).toThrow(new HandlerContractError('handleBatch returned 1 results for 2 items'));
    expect(() => checkResults([ok(), ok(), ok()], 2)).toThrow(HandlerContractError);
    expect(checkResults(undefined, 2)).toBeUndefined();
    expect(checkResults([ok(), dlq('x')], 2)).toEqual([ok(), dlq('x')]);
  });

  it('handles record by record only for failures that are neither transient nor a contract breach', () => {
    expect(isPoisonFailure(new TypeError('bug in data path'))).toBe(true);
    expect(isPoisonFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isPoisonFailure(new HandlerContractError('x'))).toBe(false);
  });

  it('puts the error name and code in the DLQ result', () => {
    expect(dlqResultOf(classifyError(Object.assign(new Error('invalid input syntax'), { name: 'DatabaseError', code: '22P02' })))).toEqual({ kind: 'dlq', reason: 'DatabaseError [22P02]: invalid input syntax', error: { name: 'DatabaseError', code: '22P02' } });
  });

  it('doubles the backoff up to 10 s', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, 200))).toEqual([200, 400, 800, 1600, 10_000]);
  });
});
