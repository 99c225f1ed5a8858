import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from 'kafkajs';
import { kafkajsLogMethod, retryRetriable } from './client';

const notLeader = () => Object.assign(new KafkaJSProtocolError('This server is not the leader for that topic-partition'), { retriable: true, type: 'NOT_LEADER_FOR_PARTITION' });

describe('retryRetriable', () => {
  it('calls again while the broker answers with a retriable error, then returns the answer', async () => {
    let calls = 0;
    const result = await retryRetriable(
      async () => {
        calls++;
        if (calls < 3) throw notLeader();
        return 'offsets';
      },
      { delayMs: 1 },
    );
    expect(result).toBe('offsets');
    expect(calls).toBe(3);
  });

  it('retries when kafkajs gave up on a retriable cause (admin calls do not refresh metadata)', async () => {
    let calls = 0;
    await retryRetriable(
      async () => {
        if (++calls === 1) throw new KafkaJSNumberOfRetriesExceeded(notLeader(), { retryCount: 5, retryTime: 100 });
      },
      { delayMs: 1 },
    );
    expect(calls).toBe(2);
  });

  it('gives up at once on an error that is not retriable', async () => {
    let calls = 0;
    await expect(
      retryRetriable(async () => {
        calls++;
        throw new Error('bad request');
      }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt', async () => {
    let calls = 0;
    await expect(
      retryRetriable(
        async () => {
          calls++;
          throw notLeader();
        },
        { attempts: 4, delayMs: 1 },
      ),
    ).rejects.toThrow('not the leader');
    expect(calls).toBe(4);
  });
});

describe('kafkajsLogMethod', () => {
  const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
  it('keeps the retried CONCURRENT_TRANSACTIONS answers out of the error log, in the response line and in the retry line', () => {
    expect(kafkajsLogMethod(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: concurrent })).toBe('debug');
    expect(kafkajsLogMethod(logLevel.ERROR, `Failed to send messages: ${concurrent}`, {})).toBe('debug');
  });
  it('logs reconnects as warnings and other broker errors as errors', () => {
    expect(kafkajsLogMethod(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:28392', {})).toBe('warn');
    expect(kafkajsLogMethod(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', { error: 'This is not the correct coordinator for this group' })).toBe('error');
    expect(kafkajsLogMethod(logLevel.WARN, 'Limiting retries for the idempotent producer to 1', {})).toBe('debug');
    expect(kafkajsLogMethod(logLevel.INFO, 'Consumer has joined the group', {})).toBe('info');
  });
});
