import { parseArgs, UsageError } from './args';
import { openContext } from './context';
import { aclsCommand } from './acls.command';
import { dlqCommand } from './dlq.command';
import { lagCommand } from './lag.command';
import { replayCommand } from './replay.command';
import { topicsCommand } from './topics.command';

const USAGE = `sightline <command> [options]

  lag [--group G [--topic T]] [--wait]            consumer lag per group and partition
  topics describe [--topic T]                     partitions, replicas, records kept, retention
  dlq list [--reason R] [--topic T] [--group G]   poison records with their error
  dlq show <partition:offset>                     one record: headers, key, payload
  dlq redrive [--reason R] [--topic T] [--group G] [--dry-run]
                                                  send them back to their topic (once)
  replay <aggregator|query> [--from-offset N | --from-time ISO] [--wait]
                                                  rewind a projection (its service stopped)
  acls apply                                      give each service's principal its Kafka ACLs
                                                  in the namespace (idempotent)
  acls list [--principal P]                       the ACLs the broker holds

  --brokers host:port,...  (KAFKA_BROKERS, default 127.0.0.1:9092)
  --namespace prefix       (TOPIC_NAMESPACE, default sightline.)
  --credentials file       KAFKA_SASL_MECHANISM/USERNAME/PASSWORD lines (default: the
                           KAFKA_SASL_* environment, else .sightline/kafka-credentials/admin.env)
  --json                   machine-readable output on stdout
--reason chooses by the error's name (DecodeError, TypeError, DatabaseError, Rejected …) or code.`;

// kafkajs 2.2 sets a negative timer on every connection (TimeoutNegativeWarning); only that is silenced.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const COMMANDS = { lag: lagCommand, topics: topicsCommand, dlq: dlqCommand, replay: replayCommand, acls: aclsCommand };

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const name = args.positionals[0];
  if (!name || args.options.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name as keyof typeof COMMANDS];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const ctx = await openContext(args);
  try {
    return await command(ctx, args);
  } finally {
    await ctx.admin.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`sightline: ${err.message}\n${err instanceof UsageError ? '' : `${err.stack ?? ''}\n`}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
