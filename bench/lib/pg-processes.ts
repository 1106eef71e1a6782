// The CPU time of the run's PostgreSQL cluster, so that a benchmark on a small machine can say how much of it went
// to the database server rather than lumping it with other work: the postmaster behind our own connection and its
// children (backends, WAL writer, checkpointer…), read from /proc. A child that exited in between is still counted,
// through the postmaster's cutime/cstime (the time of the children it has reaped).
import { readdirSync, readFileSync } from 'node:fs';
import type { BenchDb } from './database.ts';
import type { CpuGroups } from './machine-cpu.ts';
import type { World } from './world.ts';

const TICKS_PER_S = 100; // USER_HZ

/** After the command name, which may hold spaces: state, ppid, …, utime (11), stime (12), cutime (13), cstime (14). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone meanwhile
  }
}

/** The pid of the postmaster serving `db` (the parent of our backend). */
export async function postmasterOf(db: BenchDb): Promise<number> {
  const backend = await db.number('SELECT pg_backend_pid()');
  const f = statFields(backend);
  if (!f) throw new Error(`PostgreSQL backend ${backend} is not visible in /proc (another machine or namespace?)`);
  return Number(f[1]);
}

/** CPU-seconds the cluster has used so far: the postmaster (with its reaped children) and its live children. */
export function clusterCpuSeconds(postmaster: number): number {
  const own = statFields(postmaster);
  if (!own) return NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_S;
}

/** The CPU group of a world's database server for markCpu: PostgreSQL's cluster; none for SQLite (inside the servers). */
export async function databaseCpuGroup(world: World): Promise<CpuGroups> {
  if (world.db !== 'postgres') return {};
  const db = await world.open('watch');
  try {
    const postmaster = await postmasterOf(db);
    return { PostgreSQL: () => clusterCpuSeconds(postmaster) };
  } finally {
    await db.close();
  }
}
