// esbuild plugin shared by the service build and the script runner: npm packages stay
// external `require`s, our @sightline/* libs are bundled from source. A lib's dependency that
// npm could not hoist (a version conflict leaves it in libs/<lib>/node_modules) would not be
// found from the bundle's folder, so such an import is rewritten to a relative path to the
// copy the lib itself resolves.
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

export function externalPackages(outdir) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point' || args.path.startsWith('@sightline/') || args.path.startsWith('node:')) return undefined;
        let fromImporter;
        let fromBundle;
        try {
          fromImporter = createRequire(join(args.resolveDir, 'index.js')).resolve(args.path);
        } catch {
          return { path: args.path, external: true };
        }
        try {
          fromBundle = createRequire(join(outdir, 'index.js')).resolve(args.path);
        } catch {
          fromBundle = undefined;
        }
        if (fromBundle === fromImporter || !fromImporter.includes(`${sep}node_modules${sep}`)) return { path: args.path, external: true };
        const rel = relative(outdir, fromImporter).split(sep).join('/');
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      });
    },
  };
}

