#!/usr/bin/env node
// Bundles the `sightline` CLI into dist/sightline.js (the package's bin): @sightline/* libs
// from source, npm packages left to node_modules, as the services are built.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalPackages } from '../../scripts/esbuild-externals.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'sightline.js');
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
  tsconfig: join(here, '..', '..', 'tsconfig.json'),
  plugins: [externalPackages(dirname(outfile))],
});
chmodSync(outfile, 0o755);
