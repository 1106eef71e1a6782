// The admin refund queue with 1,000,000 refunds in the database: filtered pages, p95 ≤ 20 ms (issue 6; not in
// issue 15's table). One merchant paging and searching (1 connection, each request waits for the previous
// answer), next to the hello endpoint under the same load. The million orders and refunds are written straight
// into the migrated database (bench/lib/seed-queue.ts) before the server starts.
import { adminSession, http } from './lib/api.ts';
import { formatValue, type FigureKey } from './lib/figures.ts';
import { load, type LoadResult } from './lib/load.ts';
import { RssSampler } from './lib/rss.ts';
import { seedQueue, type QueueSample } from './lib/seed-queue.ts';
import type { BenchContext, BenchResult, Benchmark, Measured } from './lib/types.ts';
import { prepareWorld, type World } from './lib/world.ts';

const REFUNDS = 1_000_000;
const MIX = { REQUESTED: 0.05, APPROVED: 0.002, REFUNDING: 0.005, FAILED: 0.003, REFUNDED: 0.8, REJECTED: 0.09, CANCELLED: 0.05 };
const CONNECTIONS = 1;
const DURATION_S = 3; // one connection at tens of pages a second: enough answers for a p95
const WARMUP_S = 1;

const chinaDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

interface Kind {
  /** counted against the target; none: shown for information */
  key?: FigureKey;
  name: string;
  /** the query string of one request */
  query: () => string;
}

export const adminQueue: Benchmark = {
  name: 'admin-queue',
  title: 'Admin refund queue, 1,000,000 refunds',
  // writing 10⁶ orders and refunds into PostgreSQL takes ≈ 75 s here, for a figure outside issue 15's table
  databases: process.env.BENCH_QUEUE_PG
    ? undefined
    : { only: 'sqlite', why: 'seeding 10⁶ orders and refunds into PostgreSQL takes ≈ 75 s on this machine and the figure is not in issue 15’s table (BENCH_QUEUE_PG=1 runs it there too)' },
  async run(ctx) {
    const world = await prepareWorld('admin-queue', ctx);
    try {
      return await measure(ctx, world);
    } finally {
      await world.remove();
    }
  },
};

/** Seeds the million rows, starts the server, and pages through the queue one request at a time per kind. */
async function measure(ctx: BenchContext, world: World): Promise<BenchResult> {
  const started = Date.now();
  const db = await world.open('seed');
  let samples: QueueSample[];
  try {
    samples = await seedQueue(db, { refunds: REFUNDS, mix: MIX, days: 365 }, (n) => n % 250_000 === 0 && ctx.log(`seeded ${n.toLocaleString('en-US')} refunds`));
    if (db.kind === 'postgres') await db.run('ANALYZE'); // as autovacuum would have, long before a million rows
  } finally {
    await db.close();
  }
  ctx.log(`seeded ${REFUNDS.toLocaleString('en-US')} refunds (and their orders) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const requested = samples.filter((s) => s.status === 'REQUESTED');
  const pages = Math.ceil((REFUNDS * MIX.REQUESTED) / 20);
  const kinds: Kind[] = [
    { key: 'queue.any-page', name: 'status=REQUESTED, any page (1–' + pages + ')', query: () => `status=REQUESTED&page=${1 + Math.floor(Math.random() * pages)}` },
    {
      key: 'queue.week',
      name: 'status=REQUESTED, from/to a week, pages 1–3',
      query: () => {
        const t = pick(samples).createdAt;
        return `status=REQUESTED&from=${chinaDay(t - 6 * 86400e3)}&to=${chinaDay(t)}&page=${1 + Math.floor(Math.random() * 3)}`;
      },
    },
    { key: 'queue.hour-prefix', name: 'status=REQUESTED, q = a refund number to the hour (13 chars)', query: () => `status=REQUESTED&q=${pick(requested).refundNo.slice(0, 13)}` },
    {
      key: 'queue.day-prefix',
      name: 'status=REQUESTED, q = a day’s refund numbers, from/to that day',
      query: () => {
        const s = pick(requested);
        return `status=REQUESTED&q=${s.refundNo.slice(0, 9)}&from=${chinaDay(s.createdAt)}&to=${chinaDay(s.createdAt)}`;
      },
    },
    { key: 'queue.whole-number', name: 'all statuses, q = a whole refund or order number', query: () => `q=${pick(samples)[Math.random() < 0.5 ? 'refundNo' : 'orderNo']}` },
    { name: 'all statuses, no filter, page 1 (unfiltered)', query: () => 'page=1' },
    { name: 'all statuses, q = "R2026" (matches ~90 % of refunds)', query: () => `q=${pick(samples).refundNo.slice(0, 5)}` },
  ];
  const running = await world.start({ nodeArgs: ctx.nodeArgs });
  const server = running.server;
  const rss = new RssSampler(server.pid);
  try {
    const admin = await adminSession(server.url);
    const headers = { cookie: admin.cookie };
    const check = await http('GET', `${server.url}/api/admin/refunds?${kinds[0].query()}`, { headers });
    if (check.status !== 200 || check.body.total !== Math.round(REFUNDS * MIX.REQUESTED)) {
      ctx.log(`note: REQUESTED total ${check.body.total} (status ${check.status})`);
    }
    ctx.log(`admin queue: hello, ${CONNECTIONS} connection, ${DURATION_S} s`);
    const hello = await load({ url: ctx.hello.url, path: '/hello', connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S });
    const figures: Measured[] = [];
    const notes: string[] = [];
    const info: string[] = [];
    const ms = (n: number) => formatValue('ms', n);
    for (const k of kinds) {
      const r: LoadResult = await load({
        url: server.url,
        connections: CONNECTIONS,
        durationS: DURATION_S,
        warmupS: WARMUP_S,
        next: () => ({ path: `/api/admin/refunds?${k.query()}`, headers }),
      });
      ctx.log(`admin queue: ${k.name}: p95 ${r.p95.toFixed(1)} ms, ${Math.round(r.rps)} req/s, ${r.non2xx} non-2xx`);
      const line = `${k.name}: ${r.ok} pages, p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, p99 ${ms(r.p99)}, max ${ms(r.max)}${r.non2xx ? `, ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}` : ''}`;
      if (k.key) {
        // a page that failed is no page: its p95 does not count as met
        figures.push({ key: k.key, value: r.non2xx === 0 ? r.p95 : Infinity, hello: hello.p95 });
        notes.push(line);
      } else {
        info.push(line);
      }
    }
    notes.push(`not a target, for information: ${info.join('; ')}`);
    return {
      figures,
      notes: [
        `Admin queue on ${world.db === 'postgres' ? 'PostgreSQL' : 'SQLite'} (1 connection, ${DURATION_S} s per query kind; hello p50 ${ms(hello.p50)}, p95 ${ms(hello.p95)}): ${notes.join('; ')}. ` +
          `Server RSS at most ${rss.stop().toFixed(0)} MB meanwhile (not one of issue 15's loads).`,
      ],
    };
  } finally {
    rss.stop();
    await running.stop();
  }
}
