/** The command line split into positionals and `--name value` / `--flag` options (pure). */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

/** Options that take no value. */
const FLAGS = new Set(['json', 'wait', 'dry-run', 'help']);

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (FLAGS.has(name)) {
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  return { positionals, options };
}

/** A string option, or undefined. */
export function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** A non-negative integer option, with a clear error for anything else. */
export function integer(args: ParsedArgs, name: string): number | undefined {
  const value = text(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** An ISO-8601 time option as epoch milliseconds. */
export function time(args: ParsedArgs, name: string): number | undefined {
  const value = text(args, name);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO-8601 time such as 2026-12-01T00:00:00Z, got ${JSON.stringify(value)}`);
  return ms;
}

/** Refuses options the command does not know (a typo must not silently widen a redrive). */
export function allowOnly(args: ParsedArgs, names: string[]): void {
  const known = new Set([...names, 'brokers', 'namespace', 'credentials', 'json', 'help']);
  const unknown = Object.keys(args.options).filter((name) => !known.has(name));
  if (unknown.length) throw new UsageError(`unknown option ${unknown.map((n) => `--${n}`).join(', ')}`);
}
