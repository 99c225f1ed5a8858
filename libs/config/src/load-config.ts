import { z } from 'zod';

export type ConfigShape = z.ZodRawShape;

export class ConfigError extends Error {
  constructor(readonly issues: Array<{ variable: string; reason: string }>) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable} (${i.reason})`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** A service's config: the zod object and the names of every environment variable it reads. */
export function defineConfig<S extends ConfigShape>(shape: S) {
  const schema = z.object(shape);
  return { schema, variables: Object.keys(shape) };
}

/** Parses the environment once; throws a ConfigError naming every invalid variable. */
export function parseConfig<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): Readonly<z.infer<T>> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: issue.path.join('.') || '(root)', reason: issue.message })),
    );
  }
  return Object.freeze(result.data);
}

/**
 * The one place that reads `process.env`. On invalid config it prints every bad variable
 * and exits, so a misconfigured service never half-starts.
 */
export function loadConfig<T extends z.ZodType>(schema: T): Readonly<z.infer<T>> {
  try {
    return parseConfig(schema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) process.stderr.write(`config: ${issue.variable}: ${issue.reason}\n`);
      process.exit(78);
    }
    throw err;
  }
}
