// Writes the topics' JSON Schemas, generated from the zod contracts, to libs/contracts/schemas/.
//   node scripts/run-ts.mjs scripts/topic-schemas.ts            write them (npm run schemas -w @sightline/contracts)
//   node scripts/run-ts.mjs scripts/topic-schemas.ts --check    fail when a file is stale or a change breaks a published baseline (make build)
//   node scripts/run-ts.mjs scripts/topic-schemas.ts --publish  make what is generated now the published baseline, if compatible (npm run schemas:publish …)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeReports,
  generatedSchemaFiles,
  incompatibleWithPublished,
  publishedDirOf,
  PUBLISH_COMMAND,
  REGENERATE_COMMAND,
  schemasDirOf,
  staleSchemaFiles,
  unpublishedChanges,
} from '../libs/contracts/src/schema-files';

declare const __SCRIPT_DIR__: string;

const schemasDir = schemasDirOf(join(__SCRIPT_DIR__, '..'));
const mode = process.argv[2] ?? '--write';
const generated = generatedSchemaFiles();

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function checkCompatible(): void {
  const broken = incompatibleWithPublished(schemasDir, generated);
  if (broken.length) {
    fail(`Breaking changes to published topic schemas (a breaking change needs a new topic version, docs/consuming.md "Versions"):\n${describeReports(broken)}`);
  }
}

if (mode === '--write') {
  mkdirSync(schemasDir, { recursive: true });
  for (const name of readdirSync(schemasDir)) if (name.endsWith('.json') && !generated.has(name.slice(0, -5))) rmSync(join(schemasDir, name));
  for (const [topic, text] of generated) writeFileSync(join(schemasDir, `${topic}.json`), text);
  console.log(`wrote ${generated.size} topic schemas to libs/contracts/schemas/`);
  const broken = incompatibleWithPublished(schemasDir, generated);
  if (broken.length) console.error(`warning: these break the published baselines, which \`make test\` refuses:\n${describeReports(broken)}`);
} else if (mode === '--check') {
  const stale = staleSchemaFiles(schemasDir, generated);
  if (stale.length) fail(`libs/contracts/schemas/ is stale for ${stale.join(', ')}: run \`${REGENERATE_COMMAND}\` and commit the result`);
  checkCompatible();
  const pending = unpublishedChanges(schemasDir, generated);
  console.log(`topic schemas are up to date and compatible with their published baselines${pending.length ? ` (not yet published: ${pending.join(', ')}; \`${PUBLISH_COMMAND}\`)` : ''}`);
} else if (mode === '--publish') {
  const stale = staleSchemaFiles(schemasDir, generated);
  if (stale.length) fail(`libs/contracts/schemas/ is stale for ${stale.join(', ')}: run \`${REGENERATE_COMMAND}\` first`);
  checkCompatible();
  const publishedDir = publishedDirOf(schemasDir);
  mkdirSync(publishedDir, { recursive: true });
  const pending = unpublishedChanges(schemasDir, generated);
  for (const topic of pending) writeFileSync(join(publishedDir, `${topic}.json`), generated.get(topic)!);
  console.log(pending.length ? `published ${pending.join(', ')}` : 'nothing to publish: the baselines equal what is generated');
} else {
  fail(`unknown option ${mode}: --check or --publish (or nothing, to write the files)`);
}
