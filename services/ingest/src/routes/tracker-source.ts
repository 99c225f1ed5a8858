import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** TRACKER_JS_PATH as given, or relative to the repository root found upwards from `from`. */
export function resolveTrackerPath(configured: string, from: string): string {
  if (isAbsolute(configured)) return configured;
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sightline') return join(dir, configured);
  }
  return join(process.cwd(), configured);
}

export interface TrackerBundle {
  body: Buffer;
  etag: string;
}

export interface TrackerSource {
  path: string;
  /** The current bundle, re-read when the file changes (a rebuild needs no restart); null when missing. */
  load(): TrackerBundle | null;
}

export function createTrackerSource(path: string): TrackerSource {
  let cached: { mtimeMs: number; size: number; bundle: TrackerBundle } | null = null;
  return {
    path,
    load() {
      let stat;
      try {
        stat = statSync(path);
      } catch {
        cached = null;
        return null;
      }
      if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.bundle;
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      cached = { mtimeMs: stat.mtimeMs, size: stat.size, bundle: { body, etag } };
      return cached.bundle;
    },
  };
}
