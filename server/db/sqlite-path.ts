// Turns a `file:` DATABASE_URL into a filesystem path, the way Prisma reads it (relative to the working directory).
import path from 'node:path';

export function sqlitePath(url: string): string {
  const rest = url.slice('file:'.length).split('?')[0];
  return path.resolve(rest);
}
