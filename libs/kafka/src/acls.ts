import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { topicNames } from '@sightline/contracts';

/**
 * Kafka ACLs of Sightline's principals (docs/security.md "Kafka credentials and ACLs"). The broker
 * runs Kafka's ACL authorizer with allow.everyone.if.no.acl.found=false: a principal may do only
 * what is listed here. Topics are named exactly (LITERAL); a service's consumer groups, and the
 * fingerprint's transactional ids, by the prefix `<namespace><service>` every one of them starts
 * with (the main group, the projects table's groups, `<group>-<host>-<pid>` transactional ids).
 */
export type ServicePrincipal = 'ingest' | 'session-fingerprint' | 'bitmap-aggregator' | 'query' | 'gateway';
export const SERVICE_PRINCIPALS: readonly ServicePrincipal[] = ['ingest', 'session-fingerprint', 'bitmap-aggregator', 'query', 'gateway'];

const { TOPIC, GROUP, TRANSACTIONAL_ID } = AclResourceTypes;
const { READ, WRITE, DESCRIBE, CREATE, DESCRIBE_CONFIGS, ALTER_CONFIGS } = AclOperationTypes;

function allow(principal: string, resourceType: AclResourceTypes, names: string[], operations: AclOperationTypes[], pattern = ResourcePatternTypes.LITERAL): AclEntry[] {
  return names.flatMap((resourceName) =>
    operations.map((operation) => ({ principal: `User:${principal}`, host: '*', resourceType, resourceName, resourcePatternType: pattern, operation, permissionType: AclPermissionTypes.ALLOW })),
  );
}

/** What one service may do in a topic namespace: its reads, its writes, its groups, and the topic set it ensures at start. */
export function serviceAcls(service: ServicePrincipal, namespace: string, principal: string = service): AclEntry[] {
  const t = topicNames(namespace);
  const all = [t.projects, t.eventsRaw, t.eventsEnriched, t.eventsDlq, t.erasures];
  const rights: Record<ServicePrincipal, { read: string[]; write: string[]; transactions?: true }> = {
    ingest: { read: [t.projects], write: [t.eventsRaw] },
    'session-fingerprint': { read: [t.eventsRaw, t.erasures, t.projects], write: [t.eventsEnriched, t.eventsDlq], transactions: true },
    'bitmap-aggregator': { read: [t.eventsEnriched, t.erasures, t.projects], write: [t.eventsDlq] },
    query: { read: [t.eventsEnriched, t.erasures, t.projects], write: [t.eventsDlq] },
    gateway: { read: [], write: [t.projects, t.erasures] },
  };
  const r = rights[service];
  const prefix = `${namespace}${service}`;
  return [
    // every service creates the missing topics of its namespace and aligns their settings at start (ensureTopics)
    ...allow(principal, TOPIC, all, [DESCRIBE, CREATE, DESCRIBE_CONFIGS, ALTER_CONFIGS]),
    ...allow(principal, TOPIC, r.read, [READ]),
    ...allow(principal, TOPIC, r.write, [WRITE]),
    ...(r.read.length ? allow(principal, GROUP, [prefix], [READ, DESCRIBE], ResourcePatternTypes.PREFIXED) : []),
    ...(r.transactions ? allow(principal, TRANSACTIONAL_ID, [prefix], [WRITE, DESCRIBE], ResourcePatternTypes.PREFIXED) : []),
  ];
}

/**
 * An internal consumer (docs/consuming.md): reads events.enriched.v1 and erasures.v1 of the
 * namespace, in consumer groups starting with its own prefix. Nothing else: no other topic,
 * no writes, no other group.
 */
export function internalConsumerAcls(principal: string, namespace: string, groupPrefix: string): AclEntry[] {
  const t = topicNames(namespace);
  return [
    ...allow(principal, TOPIC, [t.eventsEnriched, t.erasures], [READ, DESCRIBE]),
    ...allow(principal, GROUP, [groupPrefix], [READ, DESCRIBE], ResourcePatternTypes.PREFIXED),
  ];
}

/** Every service's ACLs of a namespace (what `sightline acls apply` writes). */
export function allServiceAcls(namespace: string, principalOf: (service: ServicePrincipal) => string = (s) => s): AclEntry[] {
  return SERVICE_PRINCIPALS.flatMap((s) => serviceAcls(s, namespace, principalOf(s)));
}

/** Creates the ACLs (creating one that exists changes nothing); the client must be allowed to (the admin). */
export async function applyAcls(kafka: Kafka, acl: AclEntry[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes exactly these ACLs (a test's namespace when it ends). */
export async function deleteAcls(kafka: Kafka, acl: AclEntry[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteAcls({ filters: acl });
  } finally {
    await admin.disconnect();
  }
}
