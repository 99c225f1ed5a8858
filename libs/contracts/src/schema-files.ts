import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, type BreakingChange } from './schema-compatibility';
import { topicJsonSchemas } from './topic-contracts';

/*
 * The committed JSON Schemas of the topics and their published baselines (used by
 * scripts/topic-schemas.ts and by the unit test that `make test` runs):
 * - libs/contracts/schemas/<topic>.json: what the zod schemas generate now; a stale file fails;
 * - libs/contracts/schemas/published/<topic>.json: the version consumers were promised. Every
 *   change must stay backward compatible with it (schema-compatibility.ts); it moves only when
 *   someone publishes on purpose (`npm run schemas:publish -w @sightline/contracts`).
 */

/** libs/contracts/schemas from this file (tests) or from the repository root (scripts, which run bundled). */
export const SCHEMAS_DIR = join(__dirname, '..', 'schemas');
export const schemasDirOf = (repoRoot: string) => join(repoRoot, 'libs', 'contracts', 'schemas');
export const PUBLISHED_DIR_NAME = 'published';
export const publishedDirOf = (schemasDir: string) => join(schemasDir, PUBLISHED_DIR_NAME);
export const REGENERATE_COMMAND = 'npm run schemas -w @sightline/contracts';
export const PUBLISH_COMMAND = 'npm run schemas:publish -w @sightline/contracts';

/** The exact bytes of a schema file: two-space JSON and a final newline. */
export function schemaFileText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function readJsonFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) if (name.endsWith('.json')) files.set(name.slice(0, -'.json'.length), readFileSync(join(dir, name), 'utf8'));
  return files;
}

/** Topic name → the file text the generator produces now. */
export function generatedSchemaFiles(): Map<string, string> {
  return new Map(Object.entries(topicJsonSchemas()).map(([topic, doc]) => [topic, schemaFileText(doc)]));
}

/** Topics whose committed file differs from what is generated, is missing, or has no topic any more. */
export function staleSchemaFiles(schemasDir = SCHEMAS_DIR, generated = generatedSchemaFiles()): string[] {
  const committed = readJsonFiles(schemasDir);
  const stale = [...generated].filter(([topic, text]) => committed.get(topic) !== text).map(([topic]) => topic);
  return [...stale, ...[...committed.keys()].filter((topic) => !generated.has(topic))].sort();
}

export interface CompatibilityReport {
  topic: string;
  changes: BreakingChange[];
}

/**
 * What breaks the published baselines: each published topic's breaking changes in what is
 * generated now; a published topic that is no longer generated is a break too (a version is
 * retired on purpose, by deleting its baseline once its successor has been produced alongside).
 */
export function incompatibleWithPublished(schemasDir = SCHEMAS_DIR, generated = generatedSchemaFiles()): CompatibilityReport[] {
  return compareWithBaselines(readJsonFiles(publishedDirOf(schemasDir)), generated);
}

/** The same over file texts: topic → published baseline, topic → generated now. */
export function compareWithBaselines(published: Map<string, string>, generated: Map<string, string>): CompatibilityReport[] {
  const reports: CompatibilityReport[] = [];
  for (const [topic, baseline] of [...published].sort(([a], [b]) => a.localeCompare(b))) {
    const now = generated.get(topic);
    const changes = now === undefined ? [{ path: '', change: 'the topic is no longer generated' }] : breakingChanges(JSON.parse(baseline), JSON.parse(now));
    if (changes.length) reports.push({ topic, changes });
  }
  return reports;
}

/** Published topics whose baseline differs from what is generated now (compatible or not). */
export function unpublishedChanges(schemasDir = SCHEMAS_DIR, generated = generatedSchemaFiles()): string[] {
  const published = readJsonFiles(publishedDirOf(schemasDir));
  return [...generated].filter(([topic, text]) => published.get(topic) !== text).map(([topic]) => topic).sort();
}

export function describeReports(reports: CompatibilityReport[]): string {
  return reports.map((r) => `${r.topic}:\n${r.changes.map((c) => `  ${c.path || '(root)'}: ${c.change}`).join('\n')}`).join('\n');
}
