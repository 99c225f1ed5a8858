import type { SASLOptions } from 'kafkajs';

/** SASL mechanisms a Sightline client speaks (the local broker and the Kubernetes one use SCRAM-SHA-512). */
export const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** A Kafka client setting that is missing or wrong: which variable and why. */
export class KafkaCredentialsError extends Error {
  constructor(readonly variable: string, readonly reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'KafkaCredentialsError';
  }
}

/**
 * The SASL settings of a client from KAFKA_SASL_MECHANISM (default SCRAM-SHA-512, any case),
 * KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: none when no username is set (a PLAINTEXT broker).
 * A username without a password, a password without a username or an unknown mechanism is an error.
 */
export function kafkaSaslFrom(vars: Record<string, string | undefined>): KafkaSasl | undefined {
  const username = vars.KAFKA_SASL_USERNAME || undefined;
  const password = vars.KAFKA_SASL_PASSWORD || undefined;
  const mechanism = (vars.KAFKA_SASL_MECHANISM || 'scram-sha-512').toLowerCase();
  if (!username && !password) return undefined;
  if (!username) throw new KafkaCredentialsError('KAFKA_SASL_USERNAME', 'required when KAFKA_SASL_PASSWORD is set');
  if (!password) throw new KafkaCredentialsError('KAFKA_SASL_PASSWORD', 'required when KAFKA_SASL_USERNAME is set');
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new KafkaCredentialsError('KAFKA_SASL_MECHANISM', `one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, got ${JSON.stringify(vars.KAFKA_SASL_MECHANISM)}`);
  }
  return { mechanism: mechanism as SaslMechanism, username, password };
}

/** The kafkajs form of the settings. */
export function toKafkajsSasl(sasl: KafkaSasl): SASLOptions {
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}
