import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, Kafka, logLevel, type AclEntry } from 'kafkajs';
import { topicNames } from '@sightline/contracts';
import { allServiceAcls, deleteAcls, ensureTopics, standardTopicSpecs, SERVICE_PRINCIPALS } from '@sightline/kafka';
import { kafkaCredentialsDir, repoRoot, testInfra, testKafka, testNamespace, uniqueId } from '@sightline/testing';

// docker-compose.yml's kafka-init step (infra/kafka/compose-init.sh, Kafka's own shell tools)
// gives the services the same ACLs as libs/kafka/src/acls.ts (what `sightline acls apply` and
// the e2e test use): run against the SASL broker of infra/kafka/start with Kafka's Java classes
// behind the tools' names, for users and a namespace of this test's own, then compared ACL by ACL.
jest.setTimeout(400_000);

const adminProperties = join(kafkaCredentialsDir(), 'admin-scram.properties');
const key = (a: AclEntry) => [a.principal, a.resourceType, a.resourcePatternType, a.resourceName, a.operation, a.permissionType].join(' ');

function run(file: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [], { env: { ...process.env, ...env }, timeout: 380_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe('infra/kafka/compose-init.sh', () => {
  const namespace = testNamespace('cinit');
  const prefix = `${uniqueId('ci')}-`;
  const principal = (s: string) => `${prefix}${s}`;
  const passwords = Object.fromEntries(SERVICE_PRINCIPALS.map((s) => [s, randomBytes(16).toString('hex')]));
  const bin = mkdtempSync(join(tmpdir(), 'kafka-bin-'));
  const expected = allServiceAcls(namespace, principal);

  const admin = join(bin, 'admin.properties');

  beforeAll(() => {
    // the admin's login without the short timeouts of the health check (a loaded host is slow)
    writeFileSync(admin, readFileSync(adminProperties, 'utf8').split('\n').filter((l) => !/timeout/.test(l)).join('\n'), { mode: 0o600 });
    // kafka-configs.sh / kafka-acls.sh as the image has them, here through infra/lib.sh's sl_kafka_tool
    for (const [tool, cls] of [['kafka-configs.sh', 'kafka.admin.ConfigCommand'], ['kafka-acls.sh', 'kafka.admin.AclCommand']]) {
      writeFileSync(join(bin, tool!), `#!/usr/bin/env bash\nROOT=${JSON.stringify(repoRoot)}\n. "$ROOT/infra/lib.sh"\nsl_kafka_tool ${cls} "$@"\n`);
      chmodSync(join(bin, tool!), 0o755);
    }
  });

  afterAll(async () => {
    await deleteAcls(testKafka(), expected).catch(() => undefined);
    rmSync(bin, { recursive: true, force: true });
  });

  it('gives each service principal exactly the ACLs of libs/kafka, and a SCRAM user that logs in', async () => {
    const out = await run(join(repoRoot, 'infra', 'kafka', 'compose-init.sh'), {
      BOOTSTRAP: testInfra.kafkaBrokers[0]!,
      ADMIN_PROPERTIES: admin,
      TOPIC_NAMESPACE: namespace,
      USER_PREFIX: prefix,
      KAFKA_BIN: bin,
      ...Object.fromEntries(SERVICE_PRINCIPALS.map((s) => [`${s.toUpperCase().replace(/-/g, '_')}_PASSWORD`, passwords[s]!])),
    });
    expect(out.trim().split('\n')).toHaveLength(SERVICE_PRINCIPALS.length);

    const adminClient = testKafka().admin();
    await adminClient.connect();
    let got: string[];
    try {
      const described = await adminClient.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY, host: '*' });
      got = described.resources.flatMap((r) => r.acls.filter((a) => a.principal.startsWith(`User:${prefix}`)).map((a) => key({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType })));
    } finally {
      await adminClient.disconnect();
    }
    expect(got.sort()).toEqual(expected.map(key).sort());

    // The gateway's user, with the password given, may publish a project setting in the namespace.
    await ensureTopics(testKafka(), standardTopicSpecs(topicNames(namespace)));
    const gateway = new Kafka({ clientId: 'cinit', brokers: testInfra.kafkaBrokers, sasl: { mechanism: 'scram-sha-512', username: principal('gateway'), password: passwords.gateway! }, logLevel: logLevel.NOTHING });
    const producer = gateway.producer();
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic: topicNames(namespace).projects, messages: [{ key: 'p', value: '{}' }] });
      expect(sent!.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });
});
