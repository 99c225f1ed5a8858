/**
 * The shell examples of the docs, as a reader meets them: every ```sh block of README.md and
 * docs/*.md in order, one shell session per file (variables set by one block are there for
 * the next). A block that cannot run against a test system (it starts the system, a
 * long-running process or a benchmark) carries a marker on the line before its fence:
 *   <!-- docs-test: skip: why -->
 * Each command's trailing comment is its promise: a status (`# 204`, `→ 201`, `# 401: …`,
 * else any 2xx/3xx) and a shape (the first `{…}` in it names the reply's top-level keys;
 * `name,N` says the text reply has that line).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Command {
  /** 1-based Markdown lines of the command's first and last physical line. */
  firstLine: number;
  lastLine: number;
  text: string;
  /** The text without its comments: what the shell runs. */
  code: string;
  expect: { status: number | null; keys: string[]; textLines: string[] };
}

export interface Block {
  file: string;
  line: number;
  body: string;
  skip: string | null;
  commands: Command[];
}

const FENCE = /^```(sh|bash|shell)\s*$/;
const SKIP = /^<!--\s*docs-test:\s*skip:?\s*(.*?)\s*-->\s*$/;

/** README.md first, then docs/*.md by name: the order a newcomer reads them. */
export function docFiles(root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

export function extractBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const marker = start > 0 ? SKIP.exec(lines[start - 1]!) : null;
    blocks.push({ file, line: start + 1, body: body.join('\n'), skip: marker ? marker[1] || '(no reason given)' : null, commands: commandsOf(body, start + 2) });
  }
  return blocks;
}

/** Physical lines joined by a trailing backslash make one command. */
function commandsOf(body: string[], firstLine: number): Command[] {
  const commands: Command[] = [];
  for (let i = 0; i < body.length; i++) {
    const from = i;
    while (i < body.length - 1 && body[i]!.trimEnd().endsWith('\\')) i++;
    const text = body.slice(from, i + 1).join('\n');
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const code = body.slice(from, i + 1).map((l) => (commentStart(l) < 0 ? l : l.slice(0, commentStart(l)))).join('\n');
    commands.push({ firstLine: firstLine + from, lastLine: firstLine + i, text, code, expect: promiseOf(body[i]!) });
  }
  return commands;
}

/** Where the trailing `# …` comment of a shell line starts (a `#` outside quotes, after a space), or -1. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return i;
  }
  return -1;
}

function trailingComment(line: string): string | null {
  const at = commentStart(line);
  return at < 0 ? null : line.slice(at + 1).trim();
}

function balancedBraces(text: string): string | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + 1, i);
  }
  return null;
}

/** Top-level key names of `{a, b: [...], "c": 1, …}`. */
function topLevelKeys(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of inner) {
    if ('[{('.includes(c)) depth++;
    if (']})'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.split(':')[0]!.trim().replace(/^"(.*)"$/, '$1')).filter((k) => /^[A-Za-z_]\w*$/.test(k));
}

export function promiseOf(line: string): Command['expect'] {
  const comment = trailingComment(line) ?? '';
  const status = /(?:^|→\s*)([1-5]\d\d)\b/.exec(comment);
  const braces = balancedBraces(comment);
  return {
    status: status ? Number(status[1]) : null,
    keys: braces === null ? [] : topLevelKeys(braces),
    textLines: [...comment.matchAll(/\b([a-z_]+),N\b/g)].map((m) => `${m[1]},`),
  };
}

/** Commands that must never run against a shared machine from a test: an unmarked block holding one fails the test. */
export const UNSAFE = /\bmake\b|(^|\s)infra\/|services\.sh|dist\/main\.js|\bbench\//m;

export function readBlocks(root: string): Block[] {
  return docFiles(root).flatMap((file) => extractBlocks(file, readFileSync(join(root, file), 'utf8')));
}
