#!/usr/bin/env node
// The `sightline` bin: runs the bundle `node libs/cli/build.mjs` (part of `make build`) writes.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'sightline.js');
if (!existsSync(bundle)) {
  process.stderr.write(`sightline: ${bundle} is missing; run make build (or node libs/cli/build.mjs)\n`);
  process.exit(1);
}
require(bundle);
