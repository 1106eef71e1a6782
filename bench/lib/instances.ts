// Several server processes on one world's database, sharing one sandbox (one WeChat for all of them, as in
// production): the same DATABASE_URL, each its own port (PORT=0) and its own DATA_DIR. The first uses the world's
// own folder, as a single-process benchmark does; the others a folder inside it, removed with the world. On
// SQLite they open the one file (WAL: any number of readers, one writer at a time, across processes); on
// PostgreSQL they are the N instances of docs/deploy.md.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Child } from './server.ts';
import type { StartOptions, World } from './world.ts';

export interface Instances {
  servers: Child[];
  stop(): Promise<void>;
}

/** Starts `n` servers one after the other (the database is migrated already); on a failure none is left running. */
export async function startInstances(world: World, sandbox: Child, n: number, opts: StartOptions = {}): Promise<Instances> {
  const servers: Child[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < n; i++) {
      const dataDir = i === 0 ? world.dataDir : path.join(world.dataDir, `instance-${i + 1}`);
      mkdirSync(dataDir, { recursive: true });
      servers.push(await world.startServer(sandbox, { ...opts, env: { ...opts.env, DATA_DIR: dataDir } }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, stop };
}

/** Where each server's log stands now (for warningsSince). */
export function logMarks(servers: Child[]): number[] {
  return servers.map((s) => s.logs().length);
}

/** Every line logged at warn (40) or above since the marks, all servers together: its `msg`, and its error's code or message. */
export function warningsSince(servers: Child[], marks: number[]): string[] {
  return servers.flatMap((s, i) =>
    s
      .logs()
      .slice(marks[i] ?? 0)
      .split('\n')
      .filter((l) => /^\{.*"level":(4|5|6)0\b/.test(l))
      .map(summary),
  );
}

function summary(line: string): string {
  try {
    const j = JSON.parse(line) as { msg?: string; err?: { code?: string; message?: string } };
    const why = j.err?.code ?? j.err?.message?.split('\n')[0]?.slice(0, 100);
    return why ? `${j.msg}: ${why}` : String(j.msg);
  } catch {
    return line.slice(0, 120);
  }
}
