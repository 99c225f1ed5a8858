/**
 * Which failures a consumer retries in place and which send the record to the DLQ at once.
 * Only failures of the infrastructure are transient (a broker or database connection, a
 * timeout, a store that is starting, full or failing over): retrying them is the repair, and
 * the partition waits for it. Everything else (a bug, bad data, a constraint) fails the same
 * way on every attempt, so holding the partition for it only delays the records behind it.
 */
export interface ErrorClass {
  transient: boolean;
  /** The error's name (`KafkaJSConnectionError`, `DatabaseError`, `ReplyError`, `TypeError` …). */
  name: string;
  /** Its code when it has one: a Node system code, a Postgres SQLSTATE, a Kafka error type, a Redis reply prefix. */
  code: string | null;
  /** One line for logs and the DLQ record: `name [code]: message`, at most 500 characters. */
  reason: string;
}

/** kafkajs errors that name a broker, connection or metadata state that heals by itself. */
const KAFKAJS_TRANSIENT = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSNoBrokerAvailableError',
]);

/**
 * Kafka's own error codes (kafkajs protocol errors carry them as `type`) name the state of the
 * cluster, the group or the producer, not the record: a rebalance, a moved coordinator or
 * leader, a producer that must start a new sequence (libs/kafka's producer replaces itself),
 * missing replicas, an ACL not yet granted. kafkajs marks many of them not retriable because
 * its own request retry cannot heal them, but the next attempt of the batch does; sending the
 * records to the DLQ for them would drop every record in flight during a rebalance. Only these
 * are about the record itself, the same on every attempt.
 */
const KAFKA_RECORD_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** Node system errors of a socket or name lookup. */
const NODE_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Postgres SQLSTATEs: class 08 connection exception, 53 insufficient resources; shutdown and
 * startup (57P01–57P03), statement timeout (57014), serialization failure and deadlock (40001,
 * 40P01), lock timeout (55P03), I/O error (58030).
 */
const PG_TRANSIENT_CLASSES = ['08', '53'];
const PG_TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03', '58030']);

/** node-postgres and ioredis say these without a code. */
const TRANSIENT_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
  /^Query read timeout/,
  /^Connection is closed/,
  /^Stream isn't writeable/,
  /^Command timed out/,
];

/** Redis replies of a server that is loading, busy, failing over or out of memory. */
const REDIS_TRANSIENT = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'NOREPLICAS', 'OOM']);
const REDIS_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

type Cause = { name?: unknown; message?: unknown; code?: unknown; type?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };

function codeOf(e: Cause): string | null {
  if (typeof e.code === 'string' && e.code) return e.code;
  if (typeof e.type === 'string' && e.type) return e.type; // kafkajs protocol errors: NOT_LEADER_FOR_PARTITION …
  if (e.name === 'ReplyError' && typeof e.message === 'string') return /^[A-Z]+/.exec(e.message)?.[0] ?? null;
  if (typeof e.code === 'number') return String(e.code);
  return null;
}

function isTransientOne(e: Cause): boolean {
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = codeOf(e);
  if (e.retriable === true || KAFKAJS_TRANSIENT.has(name) || REDIS_ERRORS.has(name)) return true;
  if (name === 'KafkaJSProtocolError' && typeof e.type === 'string' && !KAFKA_RECORD_ERRORS.has(e.type)) return true;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  if (code && NODE_TRANSIENT.has(code)) return true;
  if (code && /^[0-9A-Z]{5}$/.test(code) && (PG_TRANSIENT_CLASSES.includes(code.slice(0, 2)) || PG_TRANSIENT_CODES.has(code))) return true;
  if (name === 'ReplyError' && code && REDIS_TRANSIENT.has(code)) return true;
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Classifies a thrown value. Transient when the error, or one it wraps (`cause`,
 * kafkajs's `originalError`, an AggregateError's `errors`, five levels deep), is transient.
 * Pure: no I/O, no clock.
 */
export function classifyError(err: unknown): ErrorClass {
  const top: Cause = err !== null && typeof err === 'object' ? (err as Cause) : { name: 'NonError', message: String(err) };
  const name = typeof top.name === 'string' && top.name ? top.name : 'Error';
  const code = codeOf(top);
  const message = typeof top.message === 'string' ? top.message : String(err);
  return { transient: anyTransient(top, 0), name, code, reason: `${name}${code ? ` [${code}]` : ''}: ${message}`.slice(0, 500) };
}

function anyTransient(e: Cause | undefined, depth: number): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  if (isTransientOne(e)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => anyTransient(inner as Cause, depth + 1))) return true;
  return anyTransient((e.cause ?? e.originalError) as Cause | undefined, depth + 1);
}

export function isTransient(err: unknown): boolean {
  return classifyError(err).transient;
}
