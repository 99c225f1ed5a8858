import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { allServiceAcls } from '@sightline/kafka';
import { allowOnly, text, UsageError, type ParsedArgs } from './args';
import type { Context } from './context';
import { formatTable } from './table';

const name = <T extends Record<string, string | number>>(table: T, value: number) => String(Object.keys(table).find((k) => table[k] === value) ?? value);

/**
 * `sightline acls apply`: each service's principal gets its Kafka ACLs in the namespace
 * (libs/kafka/src/acls.ts; scripts/services.sh runs it before starting the services).
 * `sightline acls list [--principal P]`: the broker's ACLs. Both need the admin principal.
 */
export async function aclsCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const sub = args.positionals[1];
  if (sub === 'apply') {
    allowOnly(args, []);
    const acl = allServiceAcls(ctx.namespace);
    await ctx.admin.createAcls({ acl });
    ctx.out(ctx.json ? JSON.stringify({ namespace: ctx.namespace, acls: acl.length }) : `${acl.length} ACLs of the five services in namespace ${ctx.namespace}`);
    return 0;
  }
  if (sub === 'list') {
    allowOnly(args, ['principal']);
    const principal = text(args, 'principal');
    const described = await ctx.admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
      ...(principal ? { principal: `User:${principal}` } : {}),
    });
    const rows = described.resources.flatMap((r) =>
      r.acls.map((a) => ({ principal: a.principal, operation: name(AclOperationTypes, a.operation), permission: name(AclPermissionTypes, a.permissionType), resource: name(AclResourceTypes, r.resourceType), pattern: name(ResourcePatternTypes, r.resourcePatternType), name: r.resourceName })),
    );
    rows.sort((a, b) => `${a.principal} ${a.resource} ${a.name} ${a.operation}`.localeCompare(`${b.principal} ${b.resource} ${b.name} ${b.operation}`));
    if (ctx.json) ctx.out(JSON.stringify(rows));
    else ctx.out(formatTable(['principal', 'resource', 'pattern', 'name', 'operation', 'permission'], rows.map((r) => [r.principal, r.resource, r.pattern, r.name, r.operation, r.permission])));
    return 0;
  }
  throw new UsageError('acls needs a subcommand: apply | list');
}
