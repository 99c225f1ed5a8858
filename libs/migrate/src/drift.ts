import { readFileSync } from 'node:fs';
import { Client } from 'pg';

export interface DriftIssue {
  table: string;
  column?: string;
  problem: string;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  dbName?: string | null;
  fields: Array<{ name: string }>;
}

const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp without time zone',
  Json: 'jsonb',
  Float: 'double precision',
  Decimal: 'numeric',
  Bytes: 'bytea',
};
const nativeTypes: Record<string, string> = {
  Text: 'text',
  VarChar: 'character varying',
  Char: 'character',
  Uuid: 'uuid',
  Timestamptz: 'timestamp with time zone',
  Timestamp: 'timestamp without time zone',
  Date: 'date',
  Integer: 'integer',
  SmallInt: 'smallint',
  BigInt: 'bigint',
  JsonB: 'jsonb',
  Json: 'json',
  DoublePrecision: 'double precision',
  Real: 'real',
  Boolean: 'boolean',
  ByteA: 'bytea',
  Inet: 'inet',
};

function expectedType(field: DmmfField): string {
  if (field.nativeType) return nativeTypes[field.nativeType[0]] ?? field.nativeType[0].toLowerCase();
  if (field.kind === 'enum') return 'USER-DEFINED';
  return scalarTypes[field.type] ?? field.type.toLowerCase();
}

/**
 * Compares a schema.prisma with a migrated database: every model a table, every scalar field a
 * column of the same type and nullability, every @@index/@@unique/@id an index on the same
 * columns. Partitions and Prisma's own table are not models and are ignored.
 */
export async function findSchemaDrift(schemaPath: string, databaseUrl: string): Promise<DriftIssue[]> {
  const { getDMMF } = await import('@prisma/internals');
  const dmmf = await getDMMF({ datamodel: readFileSync(schemaPath, 'utf8') });
  const models = dmmf.datamodel.models as unknown as DmmfModel[];
  const indexes = ((dmmf.datamodel as unknown as { indexes?: DmmfIndex[] }).indexes ?? []);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
       JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
       WHERE c.table_schema = 'public' AND NOT k.relispartition`,
    );
    const dbIndexes = await client.query<{ table: string; columns: string[]; unique: boolean }>(
      `SELECT t.relname AS table, i.indisunique AS unique,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       GROUP BY i.indexrelid, t.relname, i.indisunique`,
    );
    const tables = new Map<string, Map<string, { type: string; nullable: boolean }>>();
    for (const row of columns.rows) {
      if (!tables.has(row.table_name)) tables.set(row.table_name, new Map());
      tables.get(row.table_name)!.set(row.column_name, { type: row.data_type, nullable: row.is_nullable === 'YES' });
    }
    const issues: DriftIssue[] = [];
    const modelTables = new Set<string>();
    for (const model of models) {
      const table = model.dbName ?? model.name;
      modelTables.add(table);
      const actual = tables.get(table);
      if (!actual) {
        issues.push({ table, problem: 'table missing in database' });
        continue;
      }
      const scalarFields = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
      const expectedColumns = new Set<string>();
      for (const field of scalarFields) {
        const column = field.dbName ?? field.name;
        expectedColumns.add(column);
        const found = actual.get(column);
        if (!found) {
          issues.push({ table, column, problem: 'column missing in database' });
          continue;
        }
        const type = field.isList ? 'ARRAY' : expectedType(field);
        if (found.type !== type) issues.push({ table, column, problem: `type ${found.type} in database, ${type} in schema` });
        if (found.nullable === field.isRequired && !field.isList) issues.push({ table, column, problem: `nullable ${found.nullable} in database, required ${field.isRequired} in schema` });
      }
      for (const column of actual.keys()) {
        if (!expectedColumns.has(column)) issues.push({ table, column, problem: 'column in database but not in schema' });
      }
      const columnOf = (fieldName: string) => {
        const field = model.fields.find((f) => f.name === fieldName);
        return field?.dbName ?? fieldName;
      };
      for (const index of indexes.filter((i) => i.model === model.name)) {
        const wanted = index.fields.map((f) => columnOf(f.name));
        const unique = index.type !== 'normal' && index.type !== 'fulltext';
        const match = dbIndexes.rows.some((r) => r.table === table && r.unique === unique && r.columns.join(',') === wanted.join(','));
        if (!match) issues.push({ table, problem: `${index.type} index on (${wanted.join(', ')}) missing in database` });
      }
    }
    for (const table of tables.keys()) {
      if (table !== '_prisma_migrations' && !modelTables.has(table)) issues.push({ table, problem: 'table in database but not in schema' });
    }
    return issues;
  } finally {
    await client.end();
  }
}
