// 5. The admin refund queue with 1,000,000 refunds in the database: filtered pages, p95 ≤ 20 ms.
// One merchant paging and searching (1 connection, each request waits for the previous answer), next to
// the hello endpoint under the same load. The million orders and refunds are written straight into a
// migrated SQLite file (bench/lib/world.ts seedQueue) before the server starts.
import { adminSession } from '../test/helpers/api.ts';
import { load, type LoadResult } from './lib/load.ts';
import { RssSampler } from './lib/rss.ts';
import { BENCH_ADMIN } from './lib/server.ts';
import { fmt, type Benchmark, type Row } from './lib/types.ts';
import { prepareWorld, seedQueue } from './lib/world.ts';

const REFUNDS = 1_000_000;
const MIX = { REQUESTED: 0.05, APPROVED: 0.002, REFUNDING: 0.005, FAILED: 0.003, REFUNDED: 0.8, REJECTED: 0.09, CANCELLED: 0.05 };
const CONNECTIONS = 1;
const DURATION_S = 5;
const WARMUP_S = 1;
const TARGET_MS = 20;

const chinaDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

interface Kind {
  name: string;
  /** the query string of one request */
  query: () => string;
  /** counted against the target (false: shown for information) */
  target: boolean;
}

export const adminQueue: Benchmark = {
  name: 'admin-queue',
  title: 'Admin refund queue, 1,000,000 refunds',
  async run(ctx) {
    const world = await prepareWorld('admin-queue');
    const started = Date.now();
    const samples = seedQueue(world, { refunds: REFUNDS, mix: MIX, days: 365 });
    ctx.log(`seeded ${REFUNDS.toLocaleString('en-US')} refunds (and their orders) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const requested = samples.filter((s) => s.status === 'REQUESTED');
    const pages = Math.ceil((REFUNDS * MIX.REQUESTED) / 20);
    const kinds: Kind[] = [
      { name: 'status=REQUESTED, any page (1–' + pages + ')', target: true, query: () => `status=REQUESTED&page=${1 + Math.floor(Math.random() * pages)}` },
      {
        name: 'status=REQUESTED, from/to a week, pages 1–3',
        target: true,
        query: () => {
          const t = pick(samples).createdAt;
          return `status=REQUESTED&from=${chinaDay(t - 6 * 86400e3)}&to=${chinaDay(t)}&page=${1 + Math.floor(Math.random() * 3)}`;
        },
      },
      { name: 'status=REQUESTED, q = a refund number to the hour (13 chars)', target: true, query: () => `status=REQUESTED&q=${pick(requested).refundNo.slice(0, 13)}` },
      {
        name: 'status=REQUESTED, q = a day’s refund numbers, from/to that day',
        target: true,
        query: () => {
          const s = pick(requested);
          return `status=REQUESTED&q=${s.refundNo.slice(0, 9)}&from=${chinaDay(s.createdAt)}&to=${chinaDay(s.createdAt)}`;
        },
      },
      { name: 'all statuses, q = a whole refund or order number', target: true, query: () => `q=${pick(samples)[Math.random() < 0.5 ? 'refundNo' : 'orderNo']}` },
      { name: 'all statuses, no filter, page 1 (unfiltered)', target: false, query: () => 'page=1' },
      { name: 'all statuses, q = "R2026" (matches ~90 % of refunds)', target: false, query: () => `q=${pick(samples).refundNo.slice(0, 5)}` },
    ];
    const running = await world.start({ nodeArgs: ctx.nodeArgs });
    const server = running.server;
    const rss = new RssSampler(server.pid);
    try {
      const admin = await adminSession(server.url, BENCH_ADMIN);
      const headers = { cookie: admin.cookie };
      const check = await admin.call('GET', `/api/admin/refunds?${kinds[0].query()}`);
      if (check.status !== 200 || check.body.total !== Math.round(REFUNDS * MIX.REQUESTED)) {
        ctx.log(`note: REQUESTED total ${check.body.total} (status ${check.status})`);
      }
      ctx.log(`admin queue: hello, ${CONNECTIONS} connection, ${DURATION_S} s`);
      const hello = await load({ url: ctx.hello.url, path: '/hello', connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S });
      const rows: Row[] = [];
      const notes: string[] = [];
      const info: string[] = [];
      for (const k of kinds) {
        const r: LoadResult = await load({
          url: server.url,
          connections: CONNECTIONS,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
          next: () => ({ path: `/api/admin/refunds?${k.query()}`, headers }),
        });
        ctx.log(`admin queue: ${k.name}: p95 ${r.p95.toFixed(1)} ms, ${Math.round(r.rps)} req/s, ${r.non2xx} non-2xx`);
        const line = `${k.name}: ${r.ok} pages, p50 ${fmt.ms(r.p50)}, p95 ${fmt.ms(r.p95)}, p99 ${fmt.ms(r.p99)}, max ${fmt.ms(r.max)}${r.non2xx ? `, ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}` : ''}`;
        if (k.target) {
          rows.push({ benchmark: `5. Admin queue, 10⁶ refunds — ${k.name}, p95`, figure: fmt.ms(r.p95), hello: fmt.ms(hello.p95), ratio: fmt.ratio(r.p95 / hello.p95), target: `≤ ${TARGET_MS} ms`, met: r.p95 <= TARGET_MS && r.non2xx === 0 });
          notes.push(line);
        } else {
          info.push(line);
        }
      }
      notes.push(`Not a target, for information: ${info.join('; ')}.`);
      return { rows, notes: [`Admin queue (1 connection, ${DURATION_S} s per query kind; hello p50 ${fmt.ms(hello.p50)}, p95 ${fmt.ms(hello.p95)}): ${notes.join('; ')}`], maxRssMb: rss.stop() };
    } finally {
      rss.stop();
      await running.stop();
      world.remove();
    }
  },
};

