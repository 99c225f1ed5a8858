import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';

// docker-compose.yml cannot be run on machines without a Docker engine, so this test keeps it
// honest: every service in it exists, listens where its config says, and sets only variables
// its config schema reads, including every required one.
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; build?: { args?: { SERVICE?: string } } }>;
};
const serviceNames = readdirSync(join(root, 'services'));

function loadConfig(service: string): { schema: z.ZodObject; variables: string[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(root, 'services', service, 'src', 'config.ts')).config;
}

describe('docker-compose.yml agrees with the service config schemas', () => {
  it('describes every service and the three infrastructure parts', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...serviceNames, 'kafka', 'postgres', 'redis'].sort());
  });

  it.each(serviceNames)('%s: build argument, variables, required variables and port', (service) => {
    const entry = compose.services[service]!;
    const { schema, variables } = loadConfig(service);
    const env = entry.environment ?? {};
    expect(entry.build?.args?.SERVICE).toBe(service);

    const unknown = Object.keys(env).filter((name) => !variables.includes(name));
    expect(unknown).toEqual([]);

    const parsed = schema.safeParse(env);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual([]);

    const port = (parsed.data as { PORT: number }).PORT;
    expect(entry.ports).toEqual([`${port}:${port}`]);
  });
});
