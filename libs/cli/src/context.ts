import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { topicNames, type TopicNames } from '@sightline/contracts';
import { kafkaSaslFrom, KafkaCredentialsError, toKafkajsSasl, type KafkaSasl } from '@sightline/kafka';
import { text, UsageError, type ParsedArgs } from './args';

/** What every command gets: the broker, the namespace's topics and an output mode. */
export interface Context {
  kafka: Kafka;
  admin: Admin;
  namespace: string;
  topics: TopicNames;
  json: boolean;
  out(line: string): void;
}

/** The consumer groups of the services, as each names its own: `<namespace><service>`. */
export function serviceGroups(namespace: string, topics: TopicNames): Array<{ service: string; groupId: string; topics: string[] }> {
  return [
    { service: 'session-fingerprint', groupId: `${namespace}session-fingerprint`, topics: [topics.eventsRaw, topics.erasures] },
    { service: 'bitmap-aggregator', groupId: `${namespace}bitmap-aggregator`, topics: [topics.eventsEnriched, topics.erasures] },
    { service: 'query', groupId: `${namespace}query`, topics: [topics.eventsEnriched, topics.erasures] },
  ];
}

/**
 * The principal the CLI connects as: KAFKA_SASL_* of the environment, else --credentials FILE
 * (a KEY=value file as .sightline/kafka-credentials/admin.env), else the admin credentials of the
 * checkout the CLI runs from (SIGHTLINE_HOME or .sightline), else none (a PLAINTEXT broker).
 */
export function cliSasl(args: ParsedArgs, env: Record<string, string | undefined> = process.env, here = __dirname): KafkaSasl | undefined {
  const wrap = (fn: () => KafkaSasl | undefined, where: string) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof KafkaCredentialsError) throw new UsageError(`${where}: ${err.message}`);
      throw err;
    }
  };
  if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) return wrap(() => kafkaSaslFrom(env), 'environment');
  let file = text(args, 'credentials');
  if (file && !existsSync(file)) throw new UsageError(`--credentials: no file ${file}`);
  if (!file) {
    for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
      if (!existsSync(join(dir, 'infra', 'kafka', 'start'))) continue;
      const candidate = join(env.SIGHTLINE_HOME ?? join(dir, '.sightline'), 'kafka-credentials', 'admin.env');
      if (existsSync(candidate)) file = candidate;
      break;
    }
  }
  if (!file) return undefined;
  const vars = Object.fromEntries(readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const m = /^\s*(KAFKA_SASL_[A-Z]+)=(.*)$/.exec(line);
    return m ? [[m[1]!, m[2]!.trim()]] : [];
  }));
  return wrap(() => kafkaSaslFrom(vars), file);
}

export async function openContext(args: ParsedArgs): Promise<Context> {
  const brokers = (text(args, 'brokers') ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const namespace = text(args, 'namespace') ?? process.env.TOPIC_NAMESPACE ?? 'sightline.';
  if (!/^[A-Za-z0-9._-]*$/.test(namespace)) throw new UsageError(`--namespace may hold letters, digits, . _ - only, got ${JSON.stringify(namespace)}`);
  const sasl = cliSasl(args);
  const kafka = new Kafka({
    clientId: 'sightline-cli',
    brokers,
    ...(sasl ? { sasl: toKafkajsSasl(sasl) } : {}),
    ssl: /^(true|1|yes)$/.test(process.env.KAFKA_SSL ?? ''),
    connectionTimeout: 3000,
    retry: { retries: 3 },
    logLevel: logLevel.ERROR,
    // kafkajs's own errors go to stderr; stdout is the command's answer (tables or JSON).
    logCreator: () => (entry: LogEntry) => process.stderr.write(`kafkajs: ${entry.log.message}\n`),
  });
  const admin = kafka.admin();
  await admin.connect();
  return { kafka, admin, namespace, topics: topicNames(namespace), json: args.options.json === true, out: (line) => process.stdout.write(`${line}\n`) };
}
