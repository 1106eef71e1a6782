// `npm run bench` runs every benchmark against a real server on loopback and writes docs/benchmarks.md;
// `npm run bench -- <name> [<name>…]` runs only those and prints their table (docs/benchmarks.md keeps
// one whole run). BENCH_CPU_PROF=1 also writes a V8 CPU profile of each server to bench/.profiles/;
// BENCH_NODE_ARGS='--max-semi-space-size=2' passes node flags to the server (to try them; not for the record).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminApprove } from './admin-approve.ts';
import { adminQueue } from './admin-queue.ts';
import { buyerRefund } from './buyer-refund.ts';
import { dispatcher } from './dispatcher.ts';
import { RssSampler } from './lib/rss.ts';
import { ROOT, startHello } from './lib/server.ts';
import type { BenchResult, Benchmark, Row } from './lib/types.ts';
import { notifyRefund } from './notify-refund.ts';

const ALL: Benchmark[] = [buyerRefund, notifyRefund, adminApprove, dispatcher, adminQueue];
const RSS_TARGET_MB = 200;

function machine(): string[] {
  const cpu = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    /* not Linux */
  }
  let sqlite = '';
  try {
    sqlite = execFileSync(process.execPath, ['-e', "const D=require('better-sqlite3');const d=new D(':memory:');console.log(d.prepare('select sqlite_version() v').get().v)"], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    /* informative only */
  }
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores (shared with other work on this machine: see the load average)`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${osName}; Node ${process.version}; SQLite ${sqlite || '?'} (better-sqlite3)`,
  ];
}

function table(rows: Row[]): string[] {
  return [
    '| benchmark | figure | hello, same run | ratio | target | met? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${r.figure} | ${r.hello} | ${r.ratio} | ${r.target} | ${r.met ? '✅ met' : '❌ missed'} |`),
  ];
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${ALL.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const chosen = names.length > 0 ? ALL.filter((b) => names.includes(b.name)) : ALL;
  const whole = chosen.length === ALL.length;
  const started = new Date();
  const load0 = os.loadavg();
  const log = (msg: string) => console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

  const hello = await startHello();
  const helloRss = new RssSampler(hello.pid);
  const results: Array<{ bench: Benchmark; result?: BenchResult; error?: string }> = [];
  try {
    for (const bench of chosen) {
      log(`— ${bench.name}: ${bench.title}`);
      const profDir = path.join(ROOT, 'bench', '.profiles', bench.name);
      if (process.env.BENCH_CPU_PROF) mkdirSync(profDir, { recursive: true });
      const nodeArgs = [
        ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), // e.g. V8 heap flags, to try them
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
      ];
      try {
        const result = await bench.run({ hello, nodeArgs, log });
        results.push({ bench, result });
        for (const r of result.rows) log(`${r.met ? 'met   ' : 'MISSED'} ${r.benchmark}: ${r.figure} (hello ${r.hello}, ${r.ratio}; target ${r.target})`);
      } catch (err) {
        const error = (err as Error).stack ?? String(err);
        log(`FAILED ${bench.name}: ${error}`);
        results.push({ bench, error: (err as Error).message });
      }
    }
  } finally {
    await hello.stop();
  }
  const helloMaxMb = helloRss.stop();

  const rows: Row[] = results.flatMap((r) =>
    r.result ? r.result.rows : [{ benchmark: `${r.bench.title}`, figure: `did not run: ${r.error?.split('\n')[0]}`, hello: '—', ratio: '—', target: '—', met: false }],
  );
  const rss = results.filter((r) => r.result).map((r) => ({ name: r.bench.name, mb: r.result!.maxRssMb }));
  const maxRss = Math.max(...rss.map((r) => r.mb));
  if (rss.length > 0) {
    rows.push({
      benchmark: '6. Server RSS, highest under the loads above',
      figure: `${maxRss.toFixed(0)} MB`,
      hello: `${helloMaxMb.toFixed(0)} MB`,
      ratio: `${(maxRss / helloMaxMb).toFixed(2)}×`,
      target: `≤ ${RSS_TARGET_MB} MB`,
      met: maxRss <= RSS_TARGET_MB,
    });
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const load1 = os.loadavg();
  const command = `npm run bench${names.length > 0 ? ` -- ${names.join(' ')}` : ''}`;
  const md = [
    '# Benchmarks',
    '',
    `Written by \`bench/run.ts\` (\`${command}\`) on ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, in ${Math.round(seconds)} s. ` +
      'Every figure is next to a bare Express 5 `GET /hello` (`res.json({ok:true})`, its own process) measured in the same run with the same ' +
      'connections and duration: this machine is shared and noisy, so the ratio is the result, not the absolute number. How to run, and what ' +
      'each benchmark does: [bench/README.md](../bench/README.md).',
    '',
    '## Machine',
    '',
    ...machine(),
    `- Load average (1/5/15 min) at the start ${load0.map((l) => l.toFixed(2)).join(' / ')}, at the end ${load1.map((l) => l.toFixed(2)).join(' / ')}`,
    '- Server: `node --import tsx server/main.ts` (what `npm start` runs), sandbox mode, SQLite file, `NODE_ENV=production`, `LOG_LEVEL=info`; the WeChat Pay sandbox in its own process (`SANDBOX_URL`), so that WeChat’s side of the work is not counted as the server’s; load from autocannon in the runner’s process.',
    '',
    '## Results',
    '',
    ...table(rows),
    '',
    `Server RSS, highest per benchmark: ${rss.map((r) => `${r.name} ${r.mb.toFixed(0)} MB`).join(', ')}.`,
    '',
    '## This run, in detail',
    '',
    ...results.flatMap((r) => (r.result ? r.result.notes.map((n) => `- ${n}`) : [`- ${r.bench.name}: did not run: ${r.error}`])),
    '',
    readFileSync(path.join(ROOT, 'bench', 'analysis.md'), 'utf8').trim(),
    '',
  ].join('\n');
  if (whole) {
    writeFileSync(path.join(ROOT, 'docs', 'benchmarks.md'), md);
    log(`wrote docs/benchmarks.md (${Math.round(seconds)} s)`);
  } else {
    const details = results.flatMap((r) => (r.result ? r.result.notes.map((n) => `- ${n}`) : [`- ${r.bench.name}: did not run: ${r.error}`]));
    console.log(`\n${table(rows).join('\n')}\n\n${details.join('\n')}\n\n(only some benchmarks ran: docs/benchmarks.md is left as it is)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
