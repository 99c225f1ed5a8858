import { randomBytes } from 'node:crypto';
import { testKafkaSaslEnv } from './kafka-credentials';

const kafkaSaslEnv = testKafkaSaslEnv();

/** Where the infrastructure that `make test` starts listens (overridable for other machines). */
export const testInfra = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  /** KAFKA_SASL_* of the admin principal (empty for a broker without SASL): give them to every process that talks to Kafka. */
  kafkaSaslEnv,
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgresql://sightline:sightline@127.0.0.1:5433/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380',
};

/** A name no other test run uses: topics, groups, databases and key prefixes. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description?: string;
}

/** Polls until `check` returns a truthy value (which it returns); never a fixed sleep. */
export async function waitFor<T>(check: () => Promise<T> | T, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  let lastValue: T | undefined;
  for (;;) {
    try {
      lastValue = await check();
      if (lastValue) return lastValue as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `; last error: ${(lastError as Error).message}` : `; last value: ${JSON.stringify(lastValue)}`;
      throw new Error(`timed out waiting for ${options.description ?? 'condition'}${detail}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
