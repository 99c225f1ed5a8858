/**
 * Issue #19 acceptance: every shell example of README.md and docs/*.md runs as written
 * against a real system (the five services and the demo project `make up` creates, here on
 * test topics, databases and ports), with the variables a reader has after the examples before
 * it, and keeps the status and shape its text promises. Blocks that cannot run here are marked
 * in the Markdown (`<!-- docs-test: skip: why -->`) and listed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@sightline/testing';
import { startDocsStack, type DocsStack } from './docs-stack';
import { docFiles, readBlocks, UNSAFE, type Block, type Command } from './examples';

jest.setTimeout(150_000);

const blocks = readBlocks(repoRoot);
const runnable = blocks.filter((b) => !b.skip);
const filesWithExamples = docFiles(repoRoot).filter((f) => runnable.some((b) => b.file === f));

/**
 * The shell prelude: `curl` records each call's headers, body, exit code and the script line it
 * was called from; a failing command anywhere (a `jq` that finds no JSON, curl unable to
 * connect) is recorded by the ERR trap.
 */
const PRELUDE = `set -E
curl() { local n; n=$(mktemp -p "$DOCS_OUT" call.XXXXXX); command curl -D "$n.head" "$@" | tee "$n.body"; local rc=\${PIPESTATUS[0]}; printf '%s\\t%s\\t%s\\n' "$n" "\${BASH_LINENO[0]}" "$rc" >> "$DOCS_OUT/calls.tsv"; return $rc; }
trap 'printf "%s\\t%s\\n" "$LINENO" "$BASH_COMMAND" >> "$DOCS_OUT/errors.tsv"' ERR
`;

interface Located {
  block: Block;
  command: Command | undefined;
  mdLine: number;
}

function scriptOf(file: string, docs: DocsStack): { script: string; at(line: number): Located | undefined } {
  const { ingest, gateway } = docs.stack.services;
  const lines = PRELUDE.split('\n');
  const origin: Array<{ block: Block; mdLine: number } | undefined> = lines.map(() => undefined);
  for (const block of runnable.filter((b) => b.file === file)) {
    block.body.split('\n').forEach((text, i) => {
      lines.push(
        text
          .replaceAll('source .sightline/demo.env', `source '${docs.envFile}'`)
          .replaceAll('http://127.0.0.1:8081', ingest.url)
          .replaceAll('http://127.0.0.1:8080', gateway.url),
      );
      origin.push({ block, mdLine: block.line + 1 + i });
    });
  }
  return {
    script: lines.join('\n') + '\n',
    at(line) {
      const o = origin[line - 1];
      return o && { ...o, command: o.block.commands.find((c) => c.firstLine <= o.mdLine && o.mdLine <= c.lastLine) };
    },
  };
}

const statusOf = (head: string) => [...head.matchAll(/^HTTP\/\S+ (\d{3})/gm)].map((m) => Number(m[1])).pop() ?? null;
const where = (l: Located | undefined) => (l ? `${l.block.file}:${l.mdLine}` : '(prelude)');

/** What the reply broke of its command's promise, or nothing. */
function broken(call: { file: string; rc: number }, located: Located | undefined): string[] {
  const head = existsSync(`${call.file}.head`) ? readFileSync(`${call.file}.head`, 'utf8') : '';
  const body = existsSync(`${call.file}.body`) ? readFileSync(`${call.file}.body`, 'utf8') : '';
  const promise = located?.command?.expect ?? { status: null, keys: [], textLines: [] };
  const status = statusOf(head);
  const problems: string[] = [];
  if (status === null) return [`no HTTP answer (curl exit ${call.rc})`];
  if (promise.status !== null ? status !== promise.status : status >= 400) problems.push(`status ${status}, promised ${promise.status ?? '2xx'}: ${body.slice(0, 300)}`);
  if (promise.keys.length) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const missing = json && typeof json === 'object' ? promise.keys.filter((k) => !(k in (json as object))) : promise.keys;
    if (missing.length) problems.push(`reply lacks ${missing.join(', ')}: ${body.slice(0, 300)}`);
  }
  for (const line of promise.textLines) if (!body.split('\n').some((l) => l.startsWith(line))) problems.push(`reply has no line ${line}N: ${body.slice(0, 200)}`);
  return problems;
}

function runFile(file: string, docs: DocsStack): { failures: string[]; calls: number } {
  const out = mkdtempSync(join(tmpdir(), 'sightline-docs-run-'));
  const { script, at } = scriptOf(file, docs);
  writeFileSync(join(out, 'examples.sh'), script);
  const run = spawnSync('bash', [join(out, 'examples.sh')], {
    cwd: repoRoot,
    env: { ...process.env, DOCS_OUT: out },
    encoding: 'utf8',
    timeout: 90_000,
  });
  const failures: string[] = [];
  if (run.error) failures.push(`${file}: ${run.error.message}`);
  const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')) : []);
  const calls = read('calls.tsv');
  const called = new Set<Command>();
  for (const [callFile, line, rc] of calls) {
    const located = at(Number(line));
    if (located?.command) called.add(located.command);
    for (const problem of broken({ file: callFile!, rc: Number(rc) }, located)) failures.push(`${where(located)} ${problem}`);
  }
  for (const [line, command] of read('errors.tsv')) failures.push(`${where(at(Number(line)))} failed: ${command}`);
  // A curl example that never ran (a syntax error, a bad quote) is a broken example too.
  for (const block of runnable.filter((b) => b.file === file)) {
    for (const command of block.commands) {
      if (/\bcurl\b/.test(command.text) && !/\|\|/.test(command.text) && !called.has(command)) failures.push(`${block.file}:${command.firstLine} never called curl`);
    }
  }
  if (run.stderr && /syntax error|command not found/.test(run.stderr)) failures.push(`${file}: ${run.stderr.match(/.*(syntax error|command not found).*/)![0]}`);
  return { failures: [...new Set(failures)], calls: calls.length };
}

let docs: DocsStack;

beforeAll(async () => {
  docs = await startDocsStack('docs');
}, 120_000);

afterAll(async () => {
  await docs?.stack.stop();
});

it('lists the examples that cannot run against a test system, each marked with its reason, and runs no unsafe command unmarked', () => {
  const skipped = blocks.filter((b) => b.skip);
  console.log(`docs examples not run here:\n${skipped.map((b) => `  ${b.file}:${b.line} — ${b.skip}`).join('\n')}`);
  expect(skipped.every((b) => b.skip !== '(no reason given)')).toBe(true);
  expect(runnable.filter((b) => b.commands.some((c) => UNSAFE.test(c.code))).map((b) => `${b.file}:${b.line}`)).toEqual([]);
  expect(filesWithExamples).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/ingest.md', 'docs/migrating.md', 'docs/tracker.md']));
});

it.each(filesWithExamples)('%s: every example runs as written and keeps its promise, run after run', (file) => {
  const { failures, calls } = runFile(file, docs);
  expect(failures).toEqual([]);
  // A reader runs them again (a typo fixed, a second try): nothing may collide with the first run.
  expect(runFile(file, docs).failures).toEqual([]);
  // Every curl call of the file was checked (README, api, ingest, migrating call the services).
  if (runnable.some((b) => b.file === file && /\bcurl\b/.test(b.body))) expect(calls).toBeGreaterThan(0);
});
