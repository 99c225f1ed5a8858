import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';
import { classifyError, isTransient } from './errors';

/** A node-postgres DatabaseError as pg builds it: name, SQLSTATE code, message. */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { name: 'DatabaseError', code });
/** An ioredis ReplyError: the reply's first word is its kind. */
const redisReply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
/** A broker error exactly as kafkajs builds it from the protocol's error table (its retriable flag included). */
const { errorCodes, createErrorFromCode } = jest.requireActual('kafkajs/src/protocol/error');
const kafkaProtocolError = (type: string) => createErrorFromCode(errorCodes.find((e: { type: string }) => e.type === type).code);
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5433`), { code, errno: -111, syscall: 'connect' });

describe('classifyError', () => {
  it.each([
    ['kafkajs connection error', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')],
    ['kafkajs request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')],
    ['kafkajs protocol error it marks retriable', Object.assign(new KafkaJSProtocolError('not the leader'), { retriable: true, type: 'NOT_LEADER_FOR_PARTITION' })],
    ['kafkajs retries exhausted on a transient cause', new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), { retryCount: 5, retryTime: 100 })],
    ['refused socket (pg, ioredis)', systemError('ECONNREFUSED')],
    ['reset socket', systemError('ECONNRESET')],
    ['DNS lookup failing for now', systemError('EAI_AGAIN')],
    ['pg connection failure (class 08)', pgError('08006', 'connection failure')],
    ['pg too many connections (class 53)', pgError('53300', 'sorry, too many clients already')],
    ['pg shutting down', pgError('57P01', 'terminating connection due to administrator command')],
    ['pg statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['pg deadlock', pgError('40P01', 'deadlock detected')],
    ['pg serialization failure', pgError('40001', 'could not serialize access')],
    ['pg pool timeout (no code)', new Error('timeout exceeded when trying to connect')],
    ['pg connection lost (no code)', new Error('Connection terminated unexpectedly')],
    ['redis loading', redisReply('LOADING Redis is loading the dataset in memory')],
    ['redis cluster down', redisReply('CLUSTERDOWN The cluster is down')],
    ['redis out of memory', redisReply("OOM command not allowed when used memory > 'maxmemory'.")],
    ['redis busy script', redisReply('BUSY Redis is busy running a script.')],
    ['ioredis gave up', Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })],
    ['ioredis closed connection', new Error('Connection is closed.')],
    ['ioredis command timeout', new Error('Command timed out')],
    ['AbortSignal.timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError', code: 23 })],
    ['transient cause wrapped', new Error('store write failed', { cause: systemError('ECONNRESET') })],
    ['one transient error of an AggregateError', new AggregateError([new TypeError('x'), systemError('ECONNREFUSED')], 'all failed')],
    // kafkajs's own table marks these not retriable (its request retry cannot heal them), but they are the group's or producer's state:
    ...(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'TOPIC_AUTHORIZATION_FAILED'] as const).map(
      (code) => [`kafka ${code}, as kafkajs builds it`, kafkaProtocolError(code)] as [string, unknown],
    ),
    ['a rebalance behind a give-up', new Error('batch failed', { cause: kafkaProtocolError('REBALANCE_IN_PROGRESS') })],
  ])('%s is transient', (_name, err) => {
    expect(classifyError(err).transient).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'projectId')")],
    ['a plain error', new Error('bad request')],
    ['pg invalid text (class 22)', pgError('22P02', 'invalid input syntax for type uuid')],
    ['pg unique violation (class 23)', pgError('23505', 'duplicate key value violates unique constraint')],
    ['pg undefined column (a schema bug)', pgError('42703', 'column "x" does not exist')],
    ['redis wrong type', redisReply('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['redis script error', redisReply('ERR Error running script: attempt to index a nil value')],
    ['kafkajs non-retriable', new KafkaJSNonRetriableError('Invalid message')],
    ['kafkajs protocol error not retriable', Object.assign(new KafkaJSProtocolError('record too large'), { retriable: false, type: 'MESSAGE_TOO_LARGE' })],
    ['kafka INVALID_RECORD, as kafkajs builds it', kafkaProtocolError('INVALID_RECORD')],
    ['a thrown string', 'boom'],
    ['null', null],
  ])('%s is not transient', (_name, err) => {
    expect(classifyError(err).transient).toBe(false);
  });

  it('names the error and its code for the DLQ headers', () => {
    expect(classifyError(pgError('22P02', 'invalid input syntax'))).toEqual({ transient: false, name: 'DatabaseError', code: '22P02', reason: 'DatabaseError [22P02]: invalid input syntax' });
    expect(classifyError(redisReply('WRONGTYPE Operation against a key'))).toMatchObject({ name: 'ReplyError', code: 'WRONGTYPE' });
    expect(classifyError(Object.assign(new KafkaJSProtocolError('too large'), { type: 'MESSAGE_TOO_LARGE' }))).toMatchObject({ name: 'KafkaJSProtocolError', code: 'MESSAGE_TOO_LARGE' });
    expect(classifyError(new TypeError('x is not a function'))).toEqual({ transient: false, name: 'TypeError', code: null, reason: 'TypeError: x is not a function' });
    expect(classifyError('boom')).toMatchObject({ name: 'NonError', code: null, reason: 'NonError: boom' });
  });

  it('keeps the reason to 500 characters', () => {
    expect(classifyError(new Error('x'.repeat(2000))).reason).toHaveLength(500);
  });

  it('stops following causes after five levels (a cycle cannot hang it)', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransient(a)).toBe(false);
    let deep: unknown = systemError('ECONNRESET');
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(isTransient(deep)).toBe(false);
  });
});
