import { join } from 'node:path';

/** Resolves both from source (`src/`) and from the bundle (`dist/main.js`). */
export const migrationsDir = join(__dirname, '..', 'prisma', 'migrations');
export const schemaPath = join(__dirname, '..', 'prisma', 'schema.prisma');
