import { backoffMs, checkResults, dlqResultOf, HandlerContractError, isPoisonFailure, itemsFrom, needsOwnRestart, restartDelayMs } from './batch-consumer';
import { asDeliveryFailure } from './producer';
import { CommitOutcomeUnknownError } from './transactional';
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

  it('after a commit in doubt, handles only the records past the offset the group committed', () => {
    const items = ['10', '11', '12', '13'].map((offset) => ({ offset }));
    expect(itemsFrom(items, null)).toEqual(items);
    expect(itemsFrom(items, '12')).toEqual([{ offset: '12' }, { offset: '13' }]);
    expect(itemsFrom(items, '14')).toEqual([]);
    expect(itemsFrom(items, '3')).toEqual(items);
  });

  it("restarts the consumer itself only when kafkajs will not and the consumer was not stopped", () => {
    expect(needsOwnRestart({ restart: false }, true)).toBe(true);
    expect(needsOwnRestart({ restart: true }, true)).toBe(false);
    expect(needsOwnRestart({ restart: false }, false)).toBe(false);
    expect([0, 1, 2, 5, 9].map(restartDelayMs)).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  });

  it('retries a commit in doubt and every failed send instead of dead-lettering the batch', () => {
    const lost = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
    expect(isPoisonFailure(new CommitOutcomeUnknownError(lost))).toBe(false);
    // kafkajs throws these when a transaction is in a state it cannot leave (a failed EndTxn)
    expect(isPoisonFailure(asDeliveryFailure(Object.assign(new Error('Transaction state exception: Cannot call "beginTransaction" in state "COMMITTING"'), { name: 'KafkaJSNonRetriableError', retriable: false })))).toBe(false);
  });
});
