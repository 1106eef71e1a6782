// Where the machine's CPU went over some seconds: the whole machine (/proc/stat), the runner itself (the load
// generator, when it runs autocannon) and named groups of child processes (/proc/<pid>/stat). On a small machine
// shared by the servers, the load generator, the sandbox and the database, this is the ceiling a figure was
// measured under: a second server process cannot use a core that is already busy.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuSeconds } from './rss.ts';

const TICKS_PER_S = 100; // USER_HZ, the unit of /proc/stat

export interface CpuMark {
  atMs: number;
  /** the machine's busy CPU-seconds so far (user, nice, system, irq, softirq) */
  busy: number;
  /** CPU-seconds the hypervisor gave to someone else while we wanted them */
  steal: number;
  runner: number;
  groups: Record<string, number>;
}

function machine(): { busy: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / TICKS_PER_S, steal: (steal ?? 0) / TICKS_PER_S };
}

/** A group is its processes' pids, or a reader of its CPU-seconds so far (processes that come and go). */
export type CpuGroups = Record<string, number[] | (() => number)>;

export function markCpu(groups: CpuGroups): CpuMark {
  const u = process.cpuUsage();
  const read = (g: number[] | (() => number)) => (typeof g === 'function' ? g() : g.reduce((s, pid) => s + cpuSeconds(pid), 0));
  return {
    atMs: performance.now(),
    ...machine(),
    runner: (u.user + u.system) / 1e6,
    groups: Object.fromEntries(Object.entries(groups).map(([name, g]) => [name, read(g)])),
  };
}

export interface CpuSpent {
  wallS: number;
  cores: number;
  /** CPU-seconds between the two marks */
  busy: number;
  steal: number;
  runner: number;
  groups: Record<string, number>;
  /** busy time none of the named processes accounts for: the database server, the kernel, other work */
  rest: number;
}

export function cpuSpent(a: CpuMark, b: CpuMark): CpuSpent {
  const groups = Object.fromEntries(Object.keys(a.groups).map((k) => [k, b.groups[k] - a.groups[k]]));
  const busy = b.busy - a.busy;
  const runner = b.runner - a.runner;
  return {
    wallS: (b.atMs - a.atMs) / 1000,
    cores: cpus().length,
    busy,
    steal: b.steal - a.steal,
    runner,
    groups,
    rest: Math.max(0, busy - runner - Object.values(groups).reduce((s, v) => s + v, 0)),
  };
}

/** "1.93 of 2 cores busy: servers 1.41, load generator 0.32, …" — CPU-seconds per second of wall time. */
export function describeCpu(s: CpuSpent, runnerLabel: string, restLabel: string): string {
  const c = (v: number) => (v / s.wallS).toFixed(2);
  const parts = [...Object.entries(s.groups).map(([k, v]) => `${k} ${c(v)}`), `${runnerLabel} ${c(s.runner)}`, `the rest (${restLabel}) ${c(s.rest)}`];
  return `${c(s.busy)} of ${s.cores} cores busy over ${s.wallS.toFixed(1)} s: ${parts.join(', ')}${s.steal > 0.05 * s.wallS ? `; stolen by the hypervisor ${c(s.steal)}` : ''}`;
}
