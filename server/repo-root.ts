// The repository's root folder, found from this module's own place: the nearest folder upwards holding this
// project's package.json, not a fixed number of `..`, because the server runs from its sources (server/) or
// bundled (dist/), and a bundle's modules no longer sit where their sources do.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wx-mall') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no wx-mall package.json above ${from}`);
  }
}

export const REPO_ROOT = findRoot(import.meta.dirname);
