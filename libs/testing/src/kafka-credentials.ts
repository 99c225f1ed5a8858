import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The SASL credentials infra/kafka/start generated (docs/security.md "Kafka credentials and
 * ACLs"): .sightline/kafka-credentials/<principal>.env of this checkout, or of SIGHTLINE_HOME.
 * Tests connect as `admin` (the super user) unless they mean to test a principal's rights.
 */
export function kafkaCredentialsDir(): string {
  return join(process.env.SIGHTLINE_HOME ?? join(checkoutRoot(__dirname), '.sightline'), 'kafka-credentials');
}

function checkoutRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'infra', 'kafka', 'start'))) return dir;
  }
  return process.cwd();
}

/** KAFKA_SASL_MECHANISM / USERNAME / PASSWORD of a principal; empty when the broker has no credentials (PLAINTEXT). */
export function kafkaCredentialsEnv(principal: string): Record<string, string> {
  const file = join(kafkaCredentialsDir(), `${principal}.env`);
  if (!existsSync(file)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(KAFKA_SASL_[A-Z]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * The admin's settings for this test process: KAFKA_SASL_* of the environment when set, else the
 * generated admin credentials (the single broker and the three-node cluster of `CLUSTER=1` share them).
 * They are put in process.env, so createKafka and the processes a test starts find them.
 */
export function testKafkaSaslEnv(): Record<string, string> {
  if (process.env.KAFKA_SASL_USERNAME !== undefined) {
    return Object.fromEntries(['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])));
  }
  const env = kafkaCredentialsEnv('admin');
  Object.assign(process.env, env);
  return env;
}
