import type { PropertyFilter } from '../domain/request.schemas';

/** Builds a parameterised WHERE for the event log and counts; every filter is an indexed column. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface EventFilter {
  projectId: string;
  from: string;
  to: string;
  name?: string;
  category?: string;
  sessionId?: string;
  /** Resolved visitor group (merged indexes included). */
  visitorIndexes?: number[];
  properties: PropertyFilter[];
}

export function whereOf(filter: EventFilter, params: SqlParams, alias = 'e'): string {
  const c = (col: string) => `${alias}.${col}`;
  const parts = [`${c('project_id')} = ${params.add(filter.projectId)}`, `${c('"timestamp"')} >= ${params.add(filter.from)}::timestamptz`, `${c('"timestamp"')} < ${params.add(filter.to)}::timestamptz`];
  if (filter.name !== undefined) parts.push(`${c('name')} = ${params.add(filter.name)}`);
  if (filter.category !== undefined) parts.push(`${c('category')} = ${params.add(filter.category)}`);
  if (filter.sessionId !== undefined) parts.push(`${c('session_id')} = ${params.add(filter.sessionId)}`);
  if (filter.visitorIndexes !== undefined) parts.push(`${c('visitor_index')} = ANY(${params.add(filter.visitorIndexes)}::int[])`);
  for (const p of filter.properties) parts.push(`${c('properties')} -> ${params.add(p.key)} = ANY(${params.add(p.values)}::jsonb[])`);
  return parts.join(' AND ');
}
