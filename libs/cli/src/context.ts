import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { topicNames, type TopicNames } from '@sightline/contracts';
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

export async function openContext(args: ParsedArgs): Promise<Context> {
  const brokers = (text(args, 'brokers') ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const namespace = text(args, 'namespace') ?? process.env.TOPIC_NAMESPACE ?? 'sightline.';
  if (!/^[A-Za-z0-9._-]*$/.test(namespace)) throw new UsageError(`--namespace may hold letters, digits, . _ - only, got ${JSON.stringify(namespace)}`);
  const kafka = new Kafka({
    clientId: 'sightline-cli',
    brokers,
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
