// `npm run bench` runs every benchmark against a real server on loopback, on SQLite then on PostgreSQL, and
// writes docs/benchmarks.md: issue 15's table per database, before (bench/before.json) → after.
//   npm run bench -- <name> [<name>…]    only these; prints their tables (docs/benchmarks.md keeps one whole run)
//   --db=sqlite | --db=postgres          one database only (printed, not written)
//   --record-before                      store the figures in bench/before.json instead (with BENCH_TARGET=<checkout>)
//   --record-before=<figure>,<figure>…   store only these figures (e.g. buyer-refund.cold), the rest of before.json kept
// BENCH_TARGET=/path/to/checkout measures that tree's server; BENCH_CPU_PROF=1 also writes a V8 CPU profile of each
// server to bench/.profiles/; BENCH_NODE_ARGS='--max-semi-space-size=2' passes node flags to the server (to try
// them; not for the record); BENCH_WINDOW_S=3 shortens the 64-connection windows (trials only); BENCH_OUT=file
// writes the whole run's page there instead of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminApprove } from './admin-approve.ts';
import { adminQueue } from './admin-queue.ts';
import { buyerRefund } from './buyer-refund.ts';
import { dispatcherBacklog } from './dispatcher-backlog.ts';
import { dispatcher } from './dispatcher.ts';
import { readBefore, recordBefore, BEFORE_FILE, type RecordedRun } from './lib/before.ts';
import type { DbKind } from './lib/database.ts';
import { PgCluster } from './lib/postgres.ts';
import { figureDef, FIGURES, type FigureKey } from './lib/figures.ts';
import { DB_NAME, dbSection, type DbRun } from './lib/report.ts';
import { RssSampler } from './lib/rss.ts';
import { startHello } from './lib/server.ts';
import { buildOnce, ROOT, sandboxLaunch, serverLaunch, TARGET, targetRevision } from './lib/target.ts';
import type { Benchmark, Measured } from './lib/types.ts';
import { notifyRefund } from './notify-refund.ts';
import { scaleOut } from './scale-out.ts';
import { startup } from './startup.ts';

// startup first, while the machine is quietest; the load benchmarks after
const ALL: Benchmark[] = [startup, dispatcherBacklog, dispatcher, buyerRefund, notifyRefund, adminApprove, adminQueue];
// only when named (`npm run bench -- scale-out`): minutes of their own, and not a figure of issue 15's table
const ON_REQUEST: Benchmark[] = [scaleOut];
const KNOWN: Benchmark[] = [...ALL, ...ON_REQUEST];
const DATABASES: DbKind[] = ['sqlite', 'postgres'];

function machine(pg: PgCluster | null): string[] {
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
    `- OS: ${osName}; Node ${process.version}; SQLite ${sqlite || '?'} (better-sqlite3)${pg ? `; PostgreSQL ${pg.version} (a throwaway cluster on loopback, fsync ${process.env.BENCH_PG_FSYNC === 'off' ? 'off' : 'on'})` : ''}`,
  ];
}

const HOW = [
  '- **Dispatcher figures** come from the sandbox’s own record of the refund calls it received (`GET /sandbox/refund-calls`, `at` in ms): the rate is (calls − 1) / (last − first), the peak the most calls in any sliding window [t, t + 1 s). The sandbox (WeChat: mutual TLS, signed answers, a random 100–300 ms per answer) runs in its own process. *Backlog*: 400 due `APPROVED` refunds written while the server is stopped, then the server starts (`WXPAY_REFUND_QPS=150`, `REFUND_ORDER_GAP_S=0`); “process start to first call” is from the server’s spawn to the sandbox’s first call. *2,000 refunds*: the server is up and idle, then all 2,000 are made due at once.',
  '- **Throughput and p99** are measured in steady state: a 10 s window that opens after a 3 s warm-up once every one of the 64 connections has had an answer; only 2xx answers count, percentiles are exact; every request is a different order or refund. Bare Express (`GET /hello`) gets the same load right before.',
  '- **First answer to every one of 64 connections opened at once on a busy server** (the cold start): while the 64-connection load goes on, once its window and grace are over (so that nothing here touches the throughput and p99), a client in a process of its own (`bench/lib/burst-client.mjs`, plain node, raw `net.connect`) opens 64 new keep-alive connections at once, each sending one real request of the benchmark (distinct orders or refunds from the load’s own prepared supply), and times each one’s first complete answer from the moment all 64 `connect()` calls were issued. The figure is the time until the last of the 64 had its answer: three such bursts 2 s apart, the worst in the table (the promise is about every connection), each burst in the details with its statuses, when the server had accepted all 64 (its listening socket’s queue, sampled every 5 ms) and how many answers the load got meanwhile. Bare Express gets the same bursts under its own load. The kernel completes the 64 handshakes within tens of milliseconds; the server then accepts one connection per event-loop iteration (libuv ≥ 1.45). Served straight from their sockets (Node’s default, and the server before its request turns), on SQLite, whose driver is synchronous, each iteration serves every request ready on the load’s 64 connections from start to answer, so the load gets ≈ 64 × 65 answers during a burst and the figure is ≈ 64 × 64 × the CPU per request; on PostgreSQL the iterations are short, the 64 are accepted within a second or two, and the rest is queueing with the load’s requests. The mall now runs one request per iteration while connections are being accepted (`server/http/request-turns.ts`, docs/architecture.md “Request turns”), so once the first of the 64 is accepted the rest are within ≈ 64 requests’ time. Until this method, the figure was autocannon’s own ramp: its 64 connections opened at the start of the load on an idle, just-started server, timed on the runner’s event loop that also sets up and parses the other connections’ requests; that ramp is still in the details, and a “before” measured that way is marked so.',
  '- **Resident memory** is the server process’s `VmRSS`: under load, the highest of samples every 100 ms during the dispatcher and endpoint benchmarks; at idle, 5 s after it says it is listening, nothing asked of it, the sandbox in its own process (median of 3 starts). Bare Express’s are taken the same way.',
  '- **Start** is from spawning the server process to its first 200 on `/healthz` (polled every 5 ms), on a database migrated by an earlier start: median of 5 starts. Bare Express: spawn to first 200 on `/hello`.',
];

/** An error's first line, and when that line only announces the output that follows, the output's line saying why. */
function firstLines(message: string): string {
  const lines = message.split('\n').filter((l) => l.trim());
  if (!lines[0]?.endsWith(':')) return lines[0] ?? '';
  const why = lines.slice(1).find((l) => /error|failed|cannot/i.test(l)) ?? lines[1] ?? '';
  return `${lines[0]} ${why.trim()}`;
}

interface Args {
  names: string[];
  dbs: DbKind[];
  recordBefore: boolean;
  /** --record-before=<figure>,…: only these are stored */
  recordOnly?: FigureKey[];
}

function parseArgs(argv: string[]): Args {
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !KNOWN.some((b) => b.name === n));
  const db = argv.find((a) => a.startsWith('--db='))?.slice('--db='.length);
  const only = argv.find((a) => a.startsWith('--record-before='))?.slice('--record-before='.length).split(',').filter(Boolean);
  const badKeys = (only ?? []).filter((k) => !FIGURES.some(([key]) => key === k));
  const flags = argv.filter((a) => a.startsWith('-') && !a.startsWith('--db=') && a !== '--record-before' && !a.startsWith('--record-before='));
  if (unknown.length > 0 || flags.length > 0 || badKeys.length > 0 || only?.length === 0 || (db !== undefined && !DATABASES.includes(db as DbKind))) {
    console.error(
      `usage: npm run bench -- [--db=sqlite|--db=postgres] [--record-before[=<figure>,…]] [<name>…]\n` +
        `benchmarks: ${KNOWN.map((b) => b.name).join(', ')}${unknown.length ? `\nunknown: ${unknown.join(', ')}` : ''}${flags.length ? `\nunknown option: ${flags.join(', ')}` : ''}` +
        `${badKeys.length || only?.length === 0 ? `\nfigures: ${FIGURES.map(([k]) => k).join(', ')}${badKeys.length ? `\nunknown figure: ${badKeys.join(', ')}` : ''}` : ''}`,
    );
    process.exit(2);
  }
  return { names, dbs: db ? [db as DbKind] : DATABASES, recordBefore: argv.some((a) => a === '--record-before' || a.startsWith('--record-before=')), recordOnly: only as FigureKey[] | undefined };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const chosen = args.names.length > 0 ? KNOWN.filter((b) => args.names.includes(b.name)) : ALL;
  const started = new Date();
  const load0 = os.loadavg();
  const log = (msg: string) => console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`measuring ${TARGET === ROOT ? 'this tree' : TARGET} (${targetRevision()}): ${serverLaunch().describe}; the sandbox: ${sandboxLaunch().describe} of this tree`);
  buildOnce(log);

  let pg: PgCluster | null = null;
  const stopPg = () => pg?.stop();
  process.on('exit', stopPg); // also after an uncaught error: the cluster never outlives the run
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  const dbs = [...args.dbs];
  if (dbs.includes('postgres')) {
    pg = await PgCluster.start();
    if (pg) log(`PostgreSQL ${pg.version}: a throwaway cluster for this run`);
    else {
      log('PostgreSQL is not installed (apt-get install postgresql): SQLite only');
      dbs.splice(dbs.indexOf('postgres'), 1);
    }
  }

  const hello = await startHello();
  const runs: DbRun[] = [];
  try {
    for (const db of dbs) {
      const run: DbRun = { db, figures: [], notes: [], missing: [] };
      runs.push(run);
      const helloRss = new RssSampler(hello.pid);
      const loadRss: Array<{ name: string; mb: number }> = [];
      for (const bench of chosen) {
        if (bench.databases && bench.databases.only !== db) {
          run.missing.push({ bench: bench.title, why: `not run on ${DB_NAME[db]}: ${bench.databases.why}` });
          continue;
        }
        log(`— ${DB_NAME[db]}: ${bench.name}: ${bench.title}`);
        const profDir = path.join(ROOT, 'bench', '.profiles', `${bench.name}-${db}`);
        if (process.env.BENCH_CPU_PROF) mkdirSync(profDir, { recursive: true });
        const nodeArgs = [
          ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), // e.g. V8 heap flags, to try them
          ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        ];
        try {
          const result = await bench.run({ db, pg, hello, nodeArgs, log });
          run.figures.push(...result.figures);
          run.notes.push(...result.notes);
          if (result.maxRssMb !== undefined) loadRss.push({ name: bench.name, mb: result.maxRssMb });
        } catch (err) {
          log(`FAILED ${bench.name} on ${DB_NAME[db]}: ${(err as Error).stack ?? String(err)}`);
          run.missing.push({ bench: bench.title, why: `did not run: ${firstLines((err as Error).message)}` });
        }
      }
      const helloMaxMb = helloRss.stop();
      if (loadRss.length > 0) {
        run.figures.push({ key: 'rss.load', value: Math.max(...loadRss.map((r) => r.mb)), hello: helloMaxMb });
        run.notes.push(`Server RSS, highest per benchmark: ${loadRss.map((r) => `${r.name} ${r.mb.toFixed(0)} MB`).join(', ')} (bare Express at most ${helloMaxMb.toFixed(0)} MB).`);
      }
    }
  } finally {
    await hello.stop();
    pg?.stop();
  }

  const seconds = (Date.now() - started.getTime()) / 1000;
  const load1 = os.loadavg();
  const before = readBefore();
  const complete = chosen.length === ALL.length && dbs.length === DATABASES.length;
  if (args.recordBefore) {
    const recorded: Partial<Record<DbKind, RecordedRun>> = {};
    for (const r of runs) {
      recorded[r.db] = {
        recorded: started.toISOString().replace(/\.\d+Z$/, 'Z'),
        revision: targetRevision(),
        server: serverLaunch().describe,
        command,
        loadAverage: { start: load0.map((l) => +l.toFixed(2)), end: load1.map((l) => +l.toFixed(2)) },
        figures: Object.fromEntries(
          r.figures
            .filter((f) => Number.isFinite(f.value))
            .map((f: Measured) => {
              const method = figureDef(f.key).method?.id; // so that a later change of method shows against it
              return [f.key, { value: +f.value.toFixed(3), ...(f.hello !== undefined && Number.isFinite(f.hello) ? { hello: +f.hello.toFixed(3) } : {}), ...(method ? { method } : {}) }];
            }),
        ),
      };
    }
    recordBefore(recorded, args.recordOnly);
    log(`recorded ${args.recordOnly ? args.recordOnly.join(', ') : 'the figures'} of ${targetRevision()} in ${path.relative(ROOT, BEFORE_FILE)} (${Math.round(seconds)} s)`);
  }
  const sections = runs.flatMap((r) => [...dbSection(r, args.recordBefore ? undefined : before[r.db], '###'), '']);
  const details = runs.flatMap((r) => [`### ${DB_NAME[r.db]}`, '', ...r.notes.map((n) => `- ${n}`), '']);
  if (complete && !args.recordBefore) {
    const md = [
      '# Benchmarks',
      '',
      `Written by \`bench/run.ts\` (\`${command}\`) on ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, in ${Math.round(seconds)} s, on SQLite then on PostgreSQL. ` +
        'Every figure is next to a bare Express 5 `GET /hello` (`res.json({ok:true})`, its own process) measured in the same run the same way: ' +
        'this machine is shared and noisy, so the ratio is the result, not the absolute number. “Before” is the server before issue 15’s changes, ' +
        'measured by this same bench code (bench/before.json). How to run, and what each benchmark does: [bench/README.md](../bench/README.md).',
      '',
      '## Machine',
      '',
      ...machine(pg),
      `- Load average (1/5/15 min) at the start ${load0.map((l) => l.toFixed(2)).join(' / ')}, at the end ${load1.map((l) => l.toFixed(2)).join(' / ')}`,
      `- Server: \`${serverLaunch().describe}\` (what \`npm start\` runs) of ${targetRevision()}, sandbox mode, \`NODE_ENV=production\`, \`LOG_LEVEL=info\`; the WeChat Pay sandbox in its own process (\`SANDBOX_URL\`), so that WeChat’s side of the work is not counted as the server’s; load from autocannon in the runner’s process.`,
      '',
      '## How the figures are measured',
      '',
      ...HOW,
      '',
      '## Results',
      '',
      ...sections,
      '## This run, in detail',
      '',
      ...details,
      readFileSync(path.join(ROOT, 'bench', 'analysis.md'), 'utf8').trim(),
      '',
    ].join('\n');
    // BENCH_OUT: somewhere else than the committed page (a trial of the whole run)
    const out = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(out, md);
    log(`wrote ${path.relative(ROOT, out)} (${Math.round(seconds)} s)`);
  } else {
    console.log(`\n${sections.join('\n')}\nIn detail:\n\n${details.join('\n')}\n(${args.recordBefore ? 'recorded in bench/before.json' : 'a part of the run'}: docs/benchmarks.md is left as it is; ${Math.round(seconds)} s)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
