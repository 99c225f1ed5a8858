import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { retryRetriable } from './client';

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
