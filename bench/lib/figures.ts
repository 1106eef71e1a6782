// Every figure the benchmarks report, in the order of issue 15's table, with its unit, how its ratio reads
// and its goal: the one place where "what is measured" meets "what was asked".
export type Unit = 'req/s' | 'ms' | 's' | 'calls/s' | 'calls' | 'MB';

export const REFUND_QPS = 150; // WeChat Pay's refund cap and WXPAY_REFUND_QPS's default: the dispatcher's goals are shares of it

interface FigureDef {
  label: string;
  unit: Unit;
  /** the ratio column: to bare Express's same figure, or as a share of the refund QPS cap */
  ratio: 'hello' | 'qps' | 'none';
  goal: string;
  met: ((value: number, hello?: number) => boolean) | null;
  /** issue 15's table, or the other figures the bench keeps (admin queue) */
  section: 'issue' | 'other';
  /**
   * How the figure is measured, when that changed after before.json was first recorded: `id` is stored with every
   * figure recorded since, and a "before" without it is shown with `old`, so that no table compares two methods
   * silently.
   */
  method?: { id: string; old: string };
}

const atLeastRate = { goal: `≥ ${(REFUND_QPS * 0.97).toFixed(1)}/s (97 % of ${REFUND_QPS})`, met: (v: number) => v >= REFUND_QPS * 0.97 };
const neverAbove = { goal: `≤ ${REFUND_QPS}`, met: (v: number) => v <= REFUND_QPS };
const quarterOfHello = { goal: '≥ 0.25× bare Express', met: (v: number, h?: number) => h !== undefined && v / h >= 0.25 };
const p99 = { goal: '≤ 100 ms', met: (v: number) => v <= 100 };
// 64 new connections opened at once by a client process of its own while the 64-connection load goes on
// (bench/lib/burst.ts), worst of 3 bursts; it replaced autocannon's own ramp at the start of the load
const cold = {
  goal: '≤ 1 s',
  met: (v: number) => v <= 1000,
  method: { id: 'burst-64-under-load', old: 'old method: autocannon’s own connection ramp on an idle server' },
};
const queue = { goal: '≤ 20 ms', met: (v: number) => v <= 20 };

const DEFS = {
  'backlog.rate': { label: 'Dispatcher, backlog of 400 approved refunds after a restart: rate, first to last call', unit: 'calls/s', ratio: 'qps', ...atLeastRate, section: 'issue' },
  'backlog.peak': { label: 'Dispatcher, backlog of 400: most calls in any 1-second window', unit: 'calls', ratio: 'qps', ...neverAbove, section: 'issue' },
  'backlog.firstCall': { label: 'Dispatcher, backlog of 400: process start to first call', unit: 's', ratio: 'none', goal: '— (information)', met: null, section: 'issue' },
  'dispatcher.rate': { label: 'Dispatcher, 2,000 refunds, WeChat answering in 100–300 ms (random): rate, first to last call', unit: 'calls/s', ratio: 'qps', ...atLeastRate, section: 'issue' },
  'dispatcher.peak': { label: 'Dispatcher, 2,000 refunds: most calls in any 1-second window', unit: 'calls', ratio: 'qps', ...neverAbove, section: 'issue' },
  'buyer-refund.rps': { label: 'Buyer refund request, 64 connections: throughput', unit: 'req/s', ratio: 'hello', ...quarterOfHello, section: 'issue' },
  'buyer-refund.p99': { label: 'Buyer refund request, 64 connections: p99 latency', unit: 'ms', ratio: 'hello', ...p99, section: 'issue' },
  'notify-refund.rps': { label: 'Refund notification, 64 connections: throughput', unit: 'req/s', ratio: 'hello', ...quarterOfHello, section: 'issue' },
  'notify-refund.p99': { label: 'Refund notification, 64 connections: p99 latency', unit: 'ms', ratio: 'hello', ...p99, section: 'issue' },
  'admin-approve.rps': { label: 'Admin approve, 64 connections: throughput', unit: 'req/s', ratio: 'hello', ...quarterOfHello, section: 'issue' },
  'admin-approve.p99': { label: 'Admin approve, 64 connections: p99 latency', unit: 'ms', ratio: 'hello', ...p99, section: 'issue' },
  'buyer-refund.cold': { label: 'First answer to every one of 64 new connections opened at once on a busy server (under the 64-connection load), worst of 3: buyer refund request', unit: 'ms', ratio: 'hello', ...cold, section: 'issue' },
  'notify-refund.cold': { label: 'First answer to every one of 64 new connections opened at once on a busy server, worst of 3: refund notification', unit: 'ms', ratio: 'hello', ...cold, section: 'issue' },
  'admin-approve.cold': { label: 'First answer to every one of 64 new connections opened at once on a busy server, worst of 3: admin approve', unit: 'ms', ratio: 'hello', ...cold, section: 'issue' },
  'rss.load': { label: 'Server resident memory, highest under the loads above', unit: 'MB', ratio: 'hello', goal: '≤ 200 MB', met: (v) => v <= 200, section: 'issue' },
  'rss.idle': { label: 'Server resident memory at idle (5 s after listening)', unit: 'MB', ratio: 'hello', goal: '≤ 120 MB', met: (v) => v <= 120, section: 'issue' },
  'startup.healthz': { label: 'Start to first 200 of /healthz on a migrated database (median of 5)', unit: 's', ratio: 'hello', goal: '≤ 1.5 s', met: (v) => v <= 1.5, section: 'issue' },
  'queue.any-page': { label: 'Admin queue, 10⁶ refunds: status=REQUESTED, any page, p95', unit: 'ms', ratio: 'hello', ...queue, section: 'other' },
  'queue.week': { label: 'Admin queue: status=REQUESTED, from/to a week, pages 1–3, p95', unit: 'ms', ratio: 'hello', ...queue, section: 'other' },
  'queue.hour-prefix': { label: 'Admin queue: status=REQUESTED, q = a refund number to the hour, p95', unit: 'ms', ratio: 'hello', ...queue, section: 'other' },
  'queue.day-prefix': { label: 'Admin queue: status=REQUESTED, q = a day’s refund numbers, from/to that day, p95', unit: 'ms', ratio: 'hello', ...queue, section: 'other' },
  'queue.whole-number': { label: 'Admin queue: all statuses, q = a whole refund or order number, p95', unit: 'ms', ratio: 'hello', ...queue, section: 'other' },
} satisfies Record<string, FigureDef>;

export type FigureKey = keyof typeof DEFS;

export const FIGURES: ReadonlyArray<[FigureKey, FigureDef]> = Object.entries(DEFS) as Array<[FigureKey, FigureDef]>;

export function figureDef(key: FigureKey): FigureDef {
  return DEFS[key];
}

export function formatValue(unit: Unit, v: number): string {
  if (!Number.isFinite(v)) return '—';
  switch (unit) {
    case 'req/s':
      return `${Math.round(v).toLocaleString('en-US')} req/s`;
    case 'ms':
      return `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms`;
    case 's':
      return `${v.toFixed(2)} s`;
    case 'calls/s':
      return `${v.toFixed(1)} calls/s`;
    case 'calls':
      return `${Math.round(v)} calls`;
    case 'MB':
      return `${Math.round(v)} MB`;
  }
}

/** The ratio as the table shows it: to bare Express's same figure, or as a share of the QPS cap. */
export function formatRatio(key: FigureKey, value: number, hello?: number): string {
  const d = DEFS[key] as FigureDef;
  if (d.ratio === 'qps') return `${((value / REFUND_QPS) * 100).toFixed(1)} % of ${REFUND_QPS}`;
  if (d.ratio === 'hello' && hello !== undefined && hello > 0 && Number.isFinite(value) && Number.isFinite(hello)) {
    const r = value / hello;
    return `${r < 10 ? r.toFixed(2) : Math.round(r).toLocaleString('en-US')}×`;
  }
  return '—';
}
