import { join } from 'node:path';

/** Resolves from `src/` and from the bundled `dist/main.js` alike (both sit beside `prisma/`). */
export const migrationsDir = join(__dirname, '..', 'prisma', 'migrations');
export const schemaPath = join(__dirname, '..', 'prisma', 'schema.prisma');
